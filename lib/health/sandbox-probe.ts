import "server-only";
import { spawn } from "node:child_process";
import { getEnv } from "@/lib/env";
import {
  cachedProbe,
  type ProbeResult,
  probeGet,
  probeTimeoutMs,
  timed,
  withTimeout,
} from "./probe-kit";

const ttlMs = 30_000;

/** Runs `true` inside a bubblewrap sandbox like the ones fragments get. */
const probeBubblewrap = cachedProbe(ttlMs, () =>
  timed(async () => {
    const args = ["--unshare-all", "--die-with-parent", "--new-session", "--clearenv"];
    for (const dir of ["/usr", "/bin", "/lib", "/lib64"]) args.push("--ro-bind-try", dir, dir);
    args.push("--proc", "/proc", "--dev", "/dev", "--", "/bin/true");
    const { code, stderr } = await withTimeout(
      run(getEnv().KILN_SANDBOX_BWRAP, args),
      probeTimeoutMs,
      "bubblewrap",
    );
    if (code !== 0)
      throw new Error(`bubblewrap exited with ${code}: ${stderr.trim().slice(0, 200)}`);
    return { status: "healthy", message: "bubblewrap ran a sandboxed command" };
  }),
);

/** Lists running sandboxes on E2B: proves the API answers and accepts the key. */
const probeE2b = cachedProbe(ttlMs, () =>
  timed(async () => {
    const env = getEnv();
    const api = (env.E2B_API_URL ?? `https://api.${env.E2B_DOMAIN}`).replace(/\/+$/, "");
    await probeGet(`${api}/sandboxes`, { "X-API-Key": env.E2B_API_KEY ?? "" }, "E2B");
    return { status: "healthy", message: "E2B accepted the API key" };
  }),
);

export function probeSandbox(): Promise<ProbeResult> {
  return getEnv().E2B_API_KEY ? probeE2b() : probeBubblewrap();
}

function run(command: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: {} as NodeJS.ProcessEnv,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}
