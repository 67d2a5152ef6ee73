import { writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { kilnError, started } from "@/tests/support/fake-e2b/provider";
import { freePort } from "@/tests/support/kiln-server";

// App servers on E2B, through the real SDK and a local E2B (tests/support/fake-e2b.ts) whose
// sandboxes run them for real, behind its stand-in for E2B's public proxy.

// Prints what the file `version` says, waits for the file `go` (written by the test when that
// output arrives, so it arrives before the server answers), then serves on $PORT.
const server =
  "cat version; until [ -e go ]; do sleep 0.01; done; rm go; " +
  "exec python3 -m http.server $PORT --bind 127.0.0.1 2>/dev/null";

describe("servers and previews", () => {
  test("the preview URL is E2B's host for the port", async () => {
    const { fake, sandbox } = await started("static-html");
    expect(sandbox.previewUrl(8000)).toBe(`https://8000-${sandbox.externalId}.${fake.domain}`);
  });

  test("startServer runs the command in the background and waits for the port", async () => {
    const { fake, sandbox, state } = await started("static-html");
    const port = await freePort();
    const file = (name: string) => state.machine.hostPath(`/home/user/${name}`) as string;
    writeFileSync(file("version"), "Serving\n");
    expect((await fake.fetch(sandbox.previewUrl(port))).status).toBe(502);
    const output: string[] = [];
    await sandbox.startServer({
      command: server,
      port,
      onOutput: (chunk) => {
        output.push(chunk);
        writeFileSync(file("go"), "");
      },
    });
    expect(output).toEqual(["Serving\n"]);
    expect((await fake.fetch(sandbox.previewUrl(port))).status).toBe(200);
    expect(state.processes.started).toEqual([
      {
        cmd: "/bin/bash",
        args: ["-l", "-c", server],
        cwd: "/home/user",
        envs: { PORT: String(port) },
      },
    ]);
  });

  test("starting again replaces the server Kiln started, so the new code runs", async () => {
    const { sandbox, state } = await started("node-server");
    const port = await freePort();
    const file = (name: string) => state.machine.hostPath(`/home/user/${name}`) as string;
    const start = async (version: string) => {
      writeFileSync(file("version"), `${version}\n`);
      const output: string[] = [];
      await sandbox.startServer({
        command: server,
        port,
        onOutput: (chunk) => {
          output.push(chunk);
          writeFileSync(file("go"), "");
        },
      });
      return output;
    };
    expect(await start("v1")).toEqual(["v1\n"]);
    const [first] = state.processes.commands.keys();
    expect(await start("v2")).toEqual(["v2\n"]);
    expect(state.processes.started.filter((c) => c.args[2] === server)).toHaveLength(2);
    await expect.poll(() => [...state.processes.commands.keys()]).not.toContain(first);
    expect(state.processes.commands.size).toBe(1);
  });

  test("a template whose own server already answers starts nothing", async () => {
    const port = await freePort();
    const { sandbox, state } = await started("nextjs-developer", {
      templateServers: {
        "nextjs-developer": [
          { command: `exec python3 -m http.server ${port} --bind 127.0.0.1`, port },
        ],
      },
    });
    await sandbox.startServer({ command: `npx next dev --port ${port}`, port });
    expect(state.processes.started).toEqual([]);
  });

  test("a server that exits before answering is an error with its exit code", async () => {
    const { sandbox } = await started("node-server");
    const command = 'echo "SyntaxError: Unexpected token" >&2; exit 1';
    const error = await kilnError(sandbox.startServer({ command, port: await freePort() }));
    expect([error.status, error.reason]).toEqual([400, "app_exited"]);
    expect(error.message).toContain("exit code 1");
    expect(error.details).toEqual({ output: "SyntaxError: Unexpected token\n" });
  });

  test("a server that never answers times out", async () => {
    const { sandbox } = await started("node-server", { serverReadyTimeoutMs: 300 });
    const error = await kilnError(
      sandbox.startServer({ command: "sleep 60", port: await freePort() }),
    );
    expect([error.status, error.reason]).toEqual([502, "app_not_listening"]);
  });
});
