import "server-only";
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { KilnError } from "@/lib/errors";

// A web app's dev server runs in a sandbox with no network: its own network namespace, holding
// only loopback. Kiln reaches it through a relay started on the host *inside that namespace
// only*: socat listening on a Unix socket in a Kiln-private directory the sandbox cannot see,
// connecting to 127.0.0.1:<port>. The sandbox gains no route anywhere; Kiln gains a socket.
// Browsers reach the socket through proxyPreview, at a capability URL (see previewToken).

const relayEnv = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
// Connections are handled by socat's forked children, which drop to this user: the relay
// parses nothing, but the bytes come from untrusted code, so it holds no privilege it needs not.
const relayUid = "65534";
const setupMs = 2_000;

export interface PreviewRelay {
  socketPath: string;
  /** Kills the relay and every connection it carries, and removes the socket. */
  close(): Promise<void>;
}

/**
 * Starts the relay for `port` in the network namespace of the sandbox whose bwrap process is
 * `bwrapPid`, and resolves once its socket accepts connections. The caller closes it when the
 * sandbox ends; it also dies with Kiln.
 */
export async function startPreviewRelay(options: {
  bwrapPid: number;
  port: number;
  /** Kiln-private (made 0700); never inside a workspace, where the sandbox could plant a link. */
  socketDir: string;
  /** Names the socket: `<name>.sock`. */
  name: string;
}): Promise<PreviewRelay> {
  const { bwrapPid, port, socketDir, name } = options;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw invalid("port", "is not a port");
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw invalid("name", "must be 1-64 of [A-Za-z0-9_-]");
  const socketPath = path.join(path.resolve(socketDir), `${name}.sock`);
  // socat reads its address with its own syntax, and Unix socket paths are short.
  if (/[\s:,!'"\\[\]{}()]/.test(socketPath) || Buffer.byteLength(socketPath) > 100) {
    throw invalid("socketDir", "must be a short path without spaces or :,!'\"\\[]{}()");
  }
  privateDirectory(path.dirname(socketPath));
  rmSync(socketPath, { force: true });

  const deadline = Date.now() + setupMs;
  const netns = await sandboxNetns(bwrapPid, deadline);
  let child: ChildProcess;
  try {
    // nsenter joins the namespace held open as fd 3 and execs on, so socat's parent is Kiln
    // and setpriv's death signal ties the relay to Kiln's life. Its own process group lets
    // close() reach the forked connection handlers too.
    child = spawn(
      "nsenter",
      [
        "--net=/proc/self/fd/3",
        "--",
        "setpriv",
        "--pdeathsig",
        "KILL",
        "--",
        "socat",
        `UNIX-LISTEN:${socketPath},fork,mode=600,unlink-early,su=${relayUid}`,
        `TCP:127.0.0.1:${port}`,
      ],
      {
        cwd: "/",
        detached: true,
        env: Object.assign({} as NodeJS.ProcessEnv, relayEnv),
        stdio: ["ignore", "ignore", "pipe", netns],
      },
    );
  } finally {
    closeSync(netns);
  }

  // Always drained: socat reports every refused connection, and a full pipe would stall it.
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-2_000);
  });
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    child.on("exit", () => {
      exited = true;
      resolve();
    });
    child.on("error", () => {
      exited = true;
      resolve();
    });
  });

  let socketIno: number | undefined;
  const close = async () => {
    try {
      if (!exited && child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {}
    // Only our socket: a relay started since under the same name has its own.
    if (
      socketIno !== undefined &&
      lstatSync(socketPath, { throwIfNoEntry: false })?.ino === socketIno
    ) {
      rmSync(socketPath, { force: true });
    }
    await gone;
  };

  while (socketIno === undefined) {
    const stat = lstatSync(socketPath, { throwIfNoEntry: false });
    if (stat?.isSocket()) socketIno = stat.ino;
    else if (exited || Date.now() > deadline) {
      await close();
      throw new Error(`the preview relay did not start: ${stderr.trim() || "no socket"}`);
    } else await delay(5);
  }
  return { socketPath, close };
}

/**
 * An open fd on the sandbox's network namespace: that of bwrap's child (bwrap unshares every
 * namespace when it clones it). Held as an fd so that a recycled pid cannot swap it for another.
 */
async function sandboxNetns(bwrapPid: number, deadline: number): Promise<number> {
  const hostNetns = statSync("/proc/self/ns/net").ino;
  for (;;) {
    let children: string;
    try {
      children = readFileSync(`/proc/${bwrapPid}/task/${bwrapPid}/children`, "utf8");
    } catch {
      throw new Error("the sandbox exited before its preview relay started");
    }
    const childPid = children.trim().split(" ")[0];
    if (childPid) {
      let fd: number | undefined;
      try {
        fd = openSync(`/proc/${childPid}/ns/net`, "r");
        if (fstatSync(fd).ino !== hostNetns && parentOf(childPid) === bwrapPid) return fd;
      } catch {}
      if (fd !== undefined) closeSync(fd);
    }
    if (Date.now() > deadline) throw new Error("the sandbox's network namespace did not appear");
    await delay(5);
  }
}

function parentOf(pid: string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name, in parentheses, may itself hold spaces and parentheses.
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

function privateDirectory(dir: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.()) {
    throw invalid("socketDir", "must be a directory of Kiln's own");
  }
  chmodSync(dir, 0o700);
}

/**
 * Resolves once the app answers an HTTP request through the relay, with any status: a dev server
 * that compiles on first request is ready when it answers, however long that takes.
 */
export async function waitForPort(options: {
  socketPath: string;
  /** What to ask for: / unless given. */
  path?: string;
  /** Which answers count; any answer unless given. */
  accept?: (status: number) => boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  intervalMs?: number;
}): Promise<void> {
  const { socketPath, timeoutMs, signal, intervalMs = 25, path: probePath = "/" } = options;
  const accept = options.accept ?? (() => true);
  const deadline = Date.now() + timeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const stop = signal ? AbortSignal.any([signal, timeout]) : timeout;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const probe = httpRequest({
        socketPath,
        path: probePath,
        headers: { host: "localhost" },
        agent: false,
        signal: stop,
      });
      probe.on("response", (response) => {
        response.destroy();
        resolve(accept(response.statusCode ?? 0));
      });
      probe.on("error", () => resolve(false));
      probe.end();
    });
    if (answered) return;
    if (signal?.aborted) throw signal.reason;
    if (Date.now() + intervalMs > deadline) {
      throw new KilnError(
        "BAD_GATEWAY",
        `The app's server did not answer within ${(timeoutMs / 1000).toFixed(1)} s`,
        { reason: "app_not_listening" },
      );
    }
    await delay(intervalMs);
  }
}

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function invalid(field: string, why: string) {
  return new KilnError("VALIDATION_ERROR", `${field}: ${why}`, { details: { field } });
}
