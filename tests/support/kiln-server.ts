import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface KilnServer {
  url: string;
  dataDir: string;
  pid: number;
  /** Everything the server printed so far. */
  output(): string;
  /** Kills the server with SIGKILL, as a crash or the OOM killer would, and waits for its end. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, "../..");

/** Node's flags for server.ts, as `./kiln start` and `npm start` give them (see server.ts). */
export const serverFlags = ["--experimental-async-context-frame", "--max-semi-space-size=64"];

/** The environment a child process gets: nothing of ours but PATH, HOME and what is asked for. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env as NodeJS.ProcessEnv;
}

function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((point) => point.startsWith(`${dir}/`));
}

/**
 * Starts the built Kiln (`next build` must have run) on a free port with its own data
 * directory, and resolves once it is listening.
 */
export async function startKiln(
  options: {
    env?: Record<string, string | undefined>;
    dataDir?: string;
    /** server.ts's flags; by default a free port on 127.0.0.1. */
    args?: string[];
  } = {},
): Promise<KilnServer> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "kiln-test-"));
  const child: ChildProcess = spawn(
    process.execPath,
    [...serverFlags, "server.ts", ...(options.args ?? ["--port", "0", "--hostname", "127.0.0.1"])],
    {
      cwd: root,
      // The cheapest password hashing Kiln accepts: suites sign up many accounts.
      env: cleanEnv({
        NODE_ENV: "production",
        DATA_DIR: dataDir,
        KILN_PASSWORD_SCRYPT_N: "16384",
        ...options.env,
      }),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Kiln ready on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!.replace("localhost", "127.0.0.1"));
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`Kiln exited with ${code} before it was ready:\n${output}`)),
    );
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    url,
    dataDir,
    pid: child.pid!,
    output: () => output,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      // A stopped Kiln leaves no sandbox workspace mounted; if it did, clean up and say so.
      const left = mountsUnder(dataDir);
      for (const point of left) execFileSync("umount", ["-l", point]);
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (left.length > 0) throw new Error(`Kiln left mounts behind: ${left.join(", ")}`);
    },
  };
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs the server with the given environment and returns how it ended, for start-up failures. */
export function runKilnToExit(
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [...serverFlags, "server.ts", "--port", "0", "--hostname", "127.0.0.1"],
      {
        cwd: root,
        env: cleanEnv({ NODE_ENV: "production", ...env }),
      },
    );
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
