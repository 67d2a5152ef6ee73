import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, inject, test } from "vitest";
import { startKiln } from "../support/kiln-server";
import { fragment, readEvents, run, signedIn, terminal } from "../support/sandbox-api";
import { suiteEnv } from "./global-setup";

// A sandbox from creation to deletion and expiry: its row, its owner, and what is left after.

describe.each(inject("backends"))("sandbox lifecycle on $name", ({ url }) => {
  test("sandbox rows: described, another user's is 404, deleted ones are gone", async () => {
    const alice = await signedIn(url);
    const { body } = await run(alice, { fragment: fragment("1") });
    const described = await alice.fetch(`/api/sandbox/${body.sbxId}`);
    expect(await described.json()).toMatchObject({
      sbxId: body.sbxId,
      template: "code-interpreter-v1",
      provider: "local",
      status: "running",
      workingDirectory: "/workspace",
    });

    const bob = await signedIn(url);
    for (const [method, path, json] of [
      ["GET", `/api/sandbox/${body.sbxId}`, undefined],
      ["DELETE", `/api/sandbox/${body.sbxId}`, undefined],
      ["GET", `/api/sandbox/${body.sbxId}/files?path=script.py`, undefined],
      ["POST", "/api/terminal", { command: "ls", sbxId: body.sbxId }],
      ["POST", "/api/sandbox", { fragment: fragment("1"), sbxId: body.sbxId }],
    ] as const) {
      const response = await bob.fetch(path, { method, json });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await response.json()).toEqual({ error: true, message: "Sandbox not found" });
    }

    expect((await alice.fetch(`/api/sandbox/${body.sbxId}`, { method: "DELETE" })).status).toBe(
      200,
    );
    expect(await (await alice.fetch(`/api/sandbox/${body.sbxId}`)).json()).toMatchObject({
      status: "stopped",
    });
    const after = await terminal(alice, { command: "ls", sbxId: body.sbxId });
    expect(after.status).toBe(404);
    expect(after.body.message).toMatch(/was deleted/);
    // The streamed form says the same in its error event, with the status.
    const streamed = await alice.fetch("/api/sandbox", {
      method: "POST",
      headers: { accept: "text/event-stream" },
      json: { fragment: fragment("1"), sbxId: body.sbxId },
    });
    expect((await readEvents(streamed)).at(-1)).toEqual({
      event: "error",
      data: {
        error: true,
        message: `Sandbox ${body.sbxId} was deleted; run the fragment again for a new one`,
        status: 404,
        code: "sandbox_gone",
      },
    });
  });
});

const databaseUrl = process.env.TEST_DATABASE_URL;
describe.runIf(databaseUrl)("the sandbox reaper", () => {
  // Two servers of its own, one after the other: slow to start on a loaded machine.
  test("at start, Kiln ends sandboxes past their expiry and removes their files", {
    timeout: 240_000,
  }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "kiln-reaper-"));
    const env = { ...suiteEnv, DATABASE_URL: databaseUrl };
    const first = await startKiln({ env, dataDir });
    let sbxId: string;
    try {
      const client = await signedIn(first.url);
      sbxId = (await run(client, { fragment: fragment("1") })).body.sbxId;
    } finally {
      await first.stop();
    }
    const sandboxDir = path.join(dataDir, "sandboxes", sbxId);
    expect(existsSync(path.join(sandboxDir, "workspace"))).toBe(true);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      await db.query(
        "update sandboxes set expires_at = now() - interval '1 second' where id = $1",
        [sbxId],
      );
      const second = await startKiln({ env, dataDir });
      try {
        await expect
          .poll(
            async () =>
              (await db.query("select status from sandboxes where id = $1", [sbxId])).rows[0]
                ?.status,
            { timeout: 60_000 },
          )
          .toBe("expired");
        await expect.poll(() => existsSync(sandboxDir), { timeout: 60_000 }).toBe(false);
      } finally {
        await second.stop();
      }
    } finally {
      await db.end();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
