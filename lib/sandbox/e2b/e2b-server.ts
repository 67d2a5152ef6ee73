import "server-only";
import { setTimeout as sleep } from "node:timers/promises";
import { CommandExitError } from "@e2b/code-interpreter";
import { KilnError } from "@/lib/errors";
import type { StartServerOptions } from "@/lib/sandbox/provider";
import { e2bRoot } from "./e2b-files";
import { type E2bCommandHandle, type E2bSandbox, kilnError, missing } from "./e2b-sdk";

// Starting an app's server in an E2B sandbox and waiting until it answers through E2B's proxy.
// Kept apart from terminal commands: a server outlives the request that starts it, and readiness
// is judged by polling its public URL rather than by the process.

/** The key, to mask in errors, and how to poll a server for an answer. */
export interface E2bServerContext {
  apiKey: string;
  fetch: typeof fetch;
  serverReadyTimeoutMs: number;
  serverPollMs: number;
}

// A server Kiln started is replaced on the next start, so the app runs its new code; its pid is
// kept in the sandbox, as handles do not outlive a request. A server Kiln did not start is the
// template's own: E2B's app templates serve from boot and reload changed files themselves.
export async function startServer(
  sandbox: E2bSandbox,
  context: E2bServerContext,
  options: StartServerOptions,
) {
  const url = `https://${sandbox.getHost(options.port)}`;
  const pidFile = `/tmp/kiln-server-${options.port}.pid`;
  // The last of the server's output, to explain a server that exits instead of serving.
  let output = "";
  const collect = (chunk: string) => {
    output = (output + chunk).slice(-4000);
    options.onOutput?.(chunk);
  };
  let exit: { code: number } | undefined;
  let server: E2bCommandHandle;
  try {
    const previous = await sandbox.files.read(pidFile).catch(missing);
    if (previous !== undefined) await stopServer(sandbox, context, Number(previous), url);
    else if (await answers(context, url, options.signal)) return;
    server = await sandbox.commands.run(options.command, {
      background: true,
      cwd: e2bRoot,
      envs: { PORT: String(options.port) },
      timeoutMs: 0, // no limit: the server lives as long as the sandbox
      onStdout: collect,
      onStderr: collect,
    });
    server.wait().then(
      (result) => (exit = { code: result.exitCode }),
      (error) => (exit = { code: error instanceof CommandExitError ? error.exitCode : -1 }),
    );
    await sandbox.files.write([{ path: pidFile, data: String(server.pid) }]);
  } catch (error) {
    throw await kilnError(error, context, sandbox);
  }
  try {
    await untilAnswering(
      context,
      url,
      options,
      () => exit,
      () => output,
    );
  } finally {
    // Its output is for the start only; the stream would otherwise stay open as long as it runs.
    await server.disconnect().catch(() => {});
  }
}

async function untilAnswering(
  context: E2bServerContext,
  url: string,
  options: StartServerOptions,
  exit: () => { code: number } | undefined,
  output: () => string,
) {
  const deadline = performance.now() + context.serverReadyTimeoutMs;
  for (;;) {
    // Read before asking, so that a server that exited gets one last chance to have answered.
    const exited = exit();
    if (await answers(context, url, options.signal)) return;
    if (exited) {
      throw new KilnError(
        "VALIDATION_ERROR",
        `The app exited before it served on port ${options.port} (exit code ${exited.code})`,
        { reason: "app_exited", details: { output: output() } },
      );
    }
    if (performance.now() >= deadline) {
      throw new KilnError(
        "BAD_GATEWAY",
        `The app's server did not answer within ${context.serverReadyTimeoutMs / 1000} s`,
        { reason: "app_not_listening" },
      );
    }
    await sleep(context.serverPollMs, undefined, { signal: options.signal });
  }
}

/** Kills a server Kiln started and waits (briefly) for its port to close. */
async function stopServer(
  sandbox: E2bSandbox,
  context: E2bServerContext,
  pid: number,
  url: string,
) {
  if (!Number.isInteger(pid) || !(await sandbox.commands.kill(pid))) return;
  const deadline = performance.now() + 5_000;
  while (performance.now() < deadline && (await answers(context, url))) {
    await sleep(context.serverPollMs);
  }
}

async function answers(
  context: E2bServerContext,
  url: string,
  signal?: AbortSignal,
): Promise<boolean> {
  signal?.throwIfAborted();
  try {
    const timeout = AbortSignal.timeout(5_000);
    const response = await context.fetch(url, {
      redirect: "manual",
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    await response.body?.cancel();
    return response.status !== 502;
  } catch {
    return false;
  }
}
