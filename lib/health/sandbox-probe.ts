import "server-only";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { runInSandbox } from "@/lib/sandbox/local/bwrap";
import { giveToSandboxUser } from "@/lib/sandbox/local/sandbox-user";
import { cachedProbe, type ProbeResult, probeGet, probeTimeoutMs, timed } from "./probe-kit";

const ttlMs = 30_000;

/**
 * Runs `true` in a sandbox exactly as fragments get one (runInSandbox: the same bwrap options,
 * seccomp filter, user and limits), in an empty workspace of its own; sandbox-probe.test.ts
 * holds it to the arguments of a sandbox's own commands.
 */
const probeBubblewrap = cachedProbe(ttlMs, () =>
  timed(async () => {
    const bwrap = getEnv().KILN_SANDBOX_BWRAP;
    const workspace = await mkdtemp(path.join(tmpdir(), "kiln-probe-"));
    try {
      await giveToSandboxUser(workspace);
      const run = runInSandbox({
        workspace,
        command: ["/bin/true"],
        limits: { wallMs: probeTimeoutMs },
        bwrap,
      });
      const { exitCode, stderr, limit } = await run.done;
      const why = stderr.trim().split("\n").at(-1)?.slice(0, 200) ?? "";
      if (/failed to execute/.test(why)) throw new Error(`cannot run ${bwrap}: ${why}`);
      if (limit === "wall")
        throw new Error(`bubblewrap did not finish within ${probeTimeoutMs} ms`);
      if (exitCode !== 0) throw new Error(`bubblewrap exited with ${exitCode}: ${why}`);
    } finally {
      await rm(workspace, { recursive: true, force: true });
    }
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
