import "server-only";
import { spawn } from "node:child_process";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";

export type ComponentStatus = "healthy" | "unhealthy" | "unconfigured";

export interface ProbeResult {
  status: ComponentStatus;
  latencyMs?: number;
  message: string;
  details?: Record<string, unknown>;
}

const probeTimeoutMs = 2000;

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function timed(fn: () => Promise<Omit<ProbeResult, "latencyMs">>): Promise<ProbeResult> {
  const started = performance.now();
  try {
    const result = await fn();
    return { ...result, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      status: "unhealthy",
      latencyMs: Math.round(performance.now() - started),
      message: (error as Error).message,
    };
  }
}

export function probeDatabase(): Promise<ProbeResult> {
  return timed(async () => {
    const db = await withTimeout(getDb(), probeTimeoutMs * 5, "the database");
    await withTimeout(db.query("select 1"), probeTimeoutMs, "the database");
    return { status: "healthy", message: `${db.kind} answered` };
  });
}

export function probeQueue(): Promise<ProbeResult> {
  return timed(async () => {
    const db = await getDb();
    const [row] = await withTimeout(
      db.query<{ queued: number; running: number; expired: number }>(
        `select count(*) filter (where status = 'queued')::int as queued,
                count(*) filter (where status = 'running')::int as running,
                count(*) filter (where status = 'running' and lease_expires_at < now())::int as expired
           from jobs`,
      ),
      probeTimeoutMs,
      "the job queue",
    );
    return {
      status: "healthy",
      message: `${row!.queued} queued, ${row!.running} running`,
      details: { queued: row!.queued, running: row!.running, expiredLeases: row!.expired },
    };
  });
}

// A worker counts as alive when it renewed its heartbeat within this long.
const workerStaleAfterSeconds = 60;

export function probeWorkers(): Promise<ProbeResult> {
  return timed(async () => {
    const db = await getDb();
    const [row] = await withTimeout(
      db.query<{ total: number; live: number }>(
        `select count(*)::int as total,
                count(*) filter (where heartbeat_at > now() - make_interval(secs => $1))::int as live
           from workers`,
        [workerStaleAfterSeconds],
      ),
      probeTimeoutMs,
      "the workers table",
    );
    if (row!.total === 0) {
      return { status: "unconfigured", message: "no worker has registered", details: { live: 0 } };
    }
    return {
      status: row!.live > 0 ? "healthy" : "unhealthy",
      message: `${row!.live} of ${row!.total} workers sent a heartbeat in the last ${workerStaleAfterSeconds} s`,
      details: { live: row!.live, total: row!.total },
    };
  });
}

const sandboxCacheMs = 30_000;
let sandboxCache: { at: number; result: ProbeResult } | undefined;

/** Runs `true` inside a bubblewrap sandbox like the ones fragments get; cached for 30 s. */
export async function probeSandbox(): Promise<ProbeResult> {
  const env = getEnv();
  if (env.E2B_API_KEY) {
    return {
      status: "healthy",
      message: "E2B is configured (reached only when a sandbox is created)",
    };
  }
  if (sandboxCache && Date.now() - sandboxCache.at < sandboxCacheMs) return sandboxCache.result;
  const result = await timed(async () => {
    const args = ["--unshare-all", "--die-with-parent", "--new-session", "--clearenv"];
    for (const dir of ["/usr", "/bin", "/lib", "/lib64"]) args.push("--ro-bind-try", dir, dir);
    args.push("--proc", "/proc", "--dev", "/dev", "--", "/bin/true");
    const { code, stderr } = await withTimeout(
      run(env.KILN_SANDBOX_BWRAP, args),
      probeTimeoutMs,
      "bubblewrap",
    );
    if (code !== 0)
      throw new Error(`bubblewrap exited with ${code}: ${stderr.trim().slice(0, 200)}`);
    return { status: "healthy", message: "bubblewrap ran a sandboxed command" };
  });
  sandboxCache = { at: Date.now(), result };
  return result;
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

/** Lists the models of the configured OpenAI-compatible server. The key goes only to that server. */
export async function probeModel(): Promise<ProbeResult> {
  const env = getEnv();
  const others = [
    env.ANTHROPIC_API_KEY && "Anthropic",
    env.GOOGLE_GENERATIVE_AI_API_KEY && "Google",
  ].filter(Boolean);
  if (!env.OPENAI_API_KEY && !env.OPENAI_BASE_URL) {
    return others.length > 0
      ? {
          status: "healthy",
          message: `${others.join(" and ")} configured (reached only when a model is called)`,
        }
      : { status: "unconfigured", message: "no model provider is configured" };
  }
  const base = (env.OPENAI_BASE_URL ?? "https://api.openai.com/v1").replace(/\/+$/, "");
  return timed(async () => {
    const response = await fetch(`${base}/models`, {
      headers: env.OPENAI_API_KEY ? { authorization: `Bearer ${env.OPENAI_API_KEY}` } : {},
      signal: AbortSignal.timeout(probeTimeoutMs),
    }).catch((error: Error) => {
      throw new Error(
        `the model server did not answer (${error.name === "TimeoutError" ? "timeout" : "unreachable"})`,
      );
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`the model server answered ${response.status}`);
    return { status: "healthy", message: "the model server listed its models" };
  });
}
