import { describe, expect, inject, test } from "vitest";
import { fragment, readEvents, run, signedIn, terminal } from "../support/sandbox-api";

// The Terminal API: commands in a sandbox, plain and streamed, stopped, and limited.

describe.each(inject("backends"))("the terminal on $name", ({ url }) => {
  test("terminal: output, exit codes, and a cd that carries to the next command", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    const sbxId = body.sbxId;

    const made = await terminal(client, { command: "mkdir -p app/src && cd app", sbxId });
    expect(made.body).toEqual({
      stdout: "",
      stderr: "",
      exitCode: 0,
      workingDirectory: "/workspace/app",
    });
    const pwd = await terminal(client, { command: "pwd; ls", sbxId });
    expect(pwd.body).toMatchObject({ stdout: "/workspace/app\nsrc\n", exitCode: 0 });
    const explicit = await terminal(client, {
      command: "pwd",
      sbxId,
      workingDirectory: "/workspace",
    });
    expect(explicit.body.stdout).toBe("/workspace\n");

    // The seed's example directory, E2B's name for the project directory, is the same place.
    const seed = await terminal(client, { command: "pwd", sbxId, workingDirectory: "/home/user" });
    expect(seed.body).toMatchObject({ stdout: "/workspace\n", workingDirectory: "/workspace" });
    const elsewhere = await terminal(client, { command: "pwd", sbxId, workingDirectory: "/etc" });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.message).toBe(
      "workingDirectory: must be inside /workspace (or /home/user)",
    );

    const failed = await terminal(client, { command: "echo oops >&2; exit 3", sbxId });
    expect(failed.body).toMatchObject({ stderr: "oops\n", exitCode: 3 });

    const outside = await terminal(client, { command: "cd / && pwd", sbxId });
    expect(outside.body.stdout).toBe("/\n");
    expect(outside.body.workingDirectory).toBe("/workspace");

    const env = await terminal(client, { command: "env", sbxId });
    expect(env.body.stdout).not.toMatch(/KILN_|DATABASE_URL|DATA_DIR|NODE_EXTRA_CA_CERTS/);
  });

  test("terminal streams output as it happens and a streamed command can be stopped", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    const streamed = await client.fetch("/api/terminal", {
      method: "POST",
      headers: { accept: "text/event-stream" },
      json: { command: "echo one; sleep 300; echo two", sbxId: body.sbxId },
    });
    let commandId = "";
    let stopped: Promise<Response> | undefined;
    const events = await readEvents(streamed, (event, data) => {
      if (event === "start") commandId = data.commandId;
      if (event === "stdout" && data.text.includes("one")) {
        stopped = client.fetch(`/api/terminal/${commandId}`, { method: "DELETE" });
      }
    });
    // Ended by the stop (137, and no "two"), long before its sleep would have ended.
    expect(await (await stopped!).json()).toEqual({ commandId, stopped: true });
    expect(events[0]).toMatchObject({ event: "start", data: { commandId: expect.any(String) } });
    expect(events.filter((e) => e.event === "stdout").map((e) => e.data.text)).toEqual(["one\n"]);
    // The output went out as it came: the end says only how the command ended.
    expect(events.at(-1)).toEqual({
      event: "exit",
      data: { commandId, exitCode: 137, workingDirectory: "/workspace" },
    });
  });

  test("deleting a sandbox ends the commands still running in it", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    const streamed = await client.fetch("/api/terminal", {
      method: "POST",
      headers: { accept: "text/event-stream" },
      json: { command: "echo started; sleep 300", sbxId: body.sbxId },
    });
    const events = await readEvents(streamed, (event) => {
      if (event === "stdout") void client.fetch(`/api/sandbox/${body.sbxId}`, { method: "DELETE" });
    });
    // Killed (137): the sleep alone would outlast the test.
    expect(events.at(-1)).toMatchObject({ event: "exit", data: { exitCode: 137 } });
  });

  test("a sandbox runs at most four commands at once; the fifth is refused until one ends", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    // Streamed, so that each is known to be running once its start event arrives; each runs
    // until the test writes the file it waits for, however slowly the machine goes.
    const long = Array.from({ length: 4 }, async () => {
      const response = await client.fetch("/api/terminal", {
        method: "POST",
        headers: { accept: "text/event-stream" },
        json: { command: "until [ -e release ]; do sleep 0.05; done", sbxId: body.sbxId },
      });
      let started!: () => void;
      const isStarted = new Promise<void>((resolve) => {
        started = resolve;
      });
      const done = readEvents(response, (event) => event === "start" && started());
      return { isStarted, done };
    });
    const streams = await Promise.all(long);
    await Promise.all(streams.map((s) => s.isStarted));
    const fifth = await terminal(client, { command: "echo hi", sbxId: body.sbxId });
    expect(fifth.status).toBe(409);
    expect(fifth.body).toMatchObject({ error: true, code: "too_many_commands" });
    const released = await client.fetch(`/api/sandbox/${body.sbxId}/files`, {
      method: "POST",
      json: { files: [{ path: "release", content: "" }] },
    });
    expect(released.status).toBe(200);
    const ends = await Promise.all(streams.map((s) => s.done));
    expect(ends.map((events) => events.at(-1)?.data.exitCode)).toEqual([0, 0, 0, 0]);
    const after = await terminal(client, { command: "echo hi", sbxId: body.sbxId });
    expect(after.body.stdout).toBe("hi\n");
  });
});
