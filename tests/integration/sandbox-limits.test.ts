import { describe, expect, inject, test } from "vitest";
import { startKiln } from "../support/kiln-server";
import { fragment, run, signedIn } from "../support/sandbox-api";
import { suiteEnv } from "./global-setup";

// How many sandboxes a user, and the whole machine, may run at once.

describe.each(inject("backends"))("sandbox limits on $name", ({ url }) => {
  test("the per-user cap holds under concurrency: of 8 creations at once, exactly 5 succeed", async () => {
    const client = await signedIn(url);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => run(client, { fragment: fragment("1") })),
    );
    try {
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 409, 409, 409]);
      for (const refused of answers.filter((a) => a.status === 409)) {
        expect(refused.body).toMatchObject({ error: true, code: "sandbox_limit" });
        expect(refused.body.message).toMatch(/5 running sandboxes/);
      }
    } finally {
      for (const { body } of answers.filter((a) => a.status === 200)) {
        await client.fetch(`/api/sandbox/${body.sbxId}`, { method: "DELETE" });
      }
    }
    // Deleting frees the slots.
    expect((await run(client, { fragment: fragment("1") })).status).toBe(200);
  });
});

describe("the machine-wide sandbox cap", () => {
  test("counts every user's sandboxes atomically, answers 503 beyond it, and frees slots", async () => {
    const kiln = await startKiln({
      env: { ...suiteEnv, KILN_SANDBOX_MAX_TOTAL: "3", KILN_SANDBOX_MAX_PER_USER: "5" },
    });
    try {
      const alice = await signedIn(kiln.url);
      const bob = await signedIn(kiln.url);
      // A sandbox whose template cannot run here is ended at once and holds no slot.
      const unavailable = fragment("import streamlit", {
        template: "streamlit-developer",
        port: 8501,
        file_path: "app.py",
      });
      for (let i = 0; i < 4; i++) {
        expect((await run(alice, { fragment: unavailable })).body.code).toBe(
          "template_unavailable",
        );
      }

      const answers = await Promise.all(
        [alice, bob, alice, bob, alice, bob].map((client) =>
          run(client, { fragment: fragment("1") }).then((answer) => ({ client, ...answer })),
        ),
      );
      const served = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status !== 200);
      expect(served).toHaveLength(3);
      expect(refused.map((a) => a.status)).toEqual([503, 503, 503]);
      for (const { body } of refused) {
        expect(body).toMatchObject({ error: true, code: "sandbox_capacity" });
        expect(body.message).toMatch(/running 3 sandboxes/);
      }

      const first = served[0]!;
      await first.client.fetch(`/api/sandbox/${first.body.sbxId}`, { method: "DELETE" });
      expect((await run(bob, { fragment: fragment("1") })).status).toBe(200);
      expect((await run(alice, { fragment: fragment("1") })).status).toBe(503);
    } finally {
      await kiln.stop();
    }
    // A server of its own: its first start makes a new database, slow on a loaded machine.
  }, 240_000);
});
