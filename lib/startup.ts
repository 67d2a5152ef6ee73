import "server-only";
import { flushLlmCalls } from "@/lib/ai/llm-calls";
import { deleteExpiredSessions } from "@/lib/auth/sessions";
import { getDb } from "@/lib/db/client";
import { registerDeploymentHooks } from "@/lib/deployments/local/local-deployments";
import { resumeDeployments } from "@/lib/deployments/resume-deployments";
import { getEnv } from "@/lib/env";
import { sweepExpiredExports } from "@/lib/exports/sweep-expired-exports";
import { jobHandlers } from "@/lib/job-handlers";
import { log } from "@/lib/log";
import { onShutdown, processSlot } from "@/lib/process-lifetime";
import { startWorkers } from "@/lib/queue/workers";
import { registerLocalSandboxHooks } from "@/lib/sandbox/local/local-provider";
import { reapExpiredSandboxes } from "@/lib/sandbox/open-sandbox";

// What Kiln starts once per process (instrumentation.ts calls startBackground): the process's
// websocket upgrade handlers and shutdown work, the database, and the periodic clean-ups.

const startup = processSlot("startup", () => ({ isStarted: false }));

/** Registers the upgrade handlers and the work to finish on the way out (lib/process-lifetime.ts). */
export function registerProcessHooks(): void {
  registerLocalSandboxHooks();
  registerDeploymentHooks();
  // Model-call rows are written in batches (lib/ai/llm-calls.ts): the last batch is written
  // before the process exits.
  onShutdown("llm-calls", flushLlmCalls);
}

export function startBackground(): void {
  if (startup.isStarted) return;
  startup.isStarted = true;
  registerProcessHooks();
  const db = getDb();
  db.catch((error) => log.error("database failed to open", { error }));
  // Background jobs run in this process unless KILN_WORKERS=0 leaves them to worker processes.
  const { KILN_WORKERS: concurrency, KILN_JOB_LEASE_MS: leaseMs } = getEnv();
  if (concurrency > 0) {
    void db.then(
      (opened) => {
        const workers = startWorkers({ db: opened, handlers: jobHandlers, concurrency, leaseMs });
        onShutdown("workers", () => workers.stop());
      },
      () => {},
    );
  }
  void db.then(
    () =>
      resumeDeployments()
        .then((count) => count > 0 && log.info("deployments started again", { count }))
        .catch((error) => log.warn("deployments not resumed", { error })),
    () => {},
  );
  const sweep = setInterval(
    () => deleteExpiredSessions().catch((error) => log.warn("session sweep failed", { error })),
    60 * 60 * 1000,
  );
  sweep.unref();
  const reap = () =>
    reapExpiredSandboxes()
      .then((count) => count > 0 && log.info("expired sandboxes removed", { count }))
      .catch((error) => log.warn("sandbox reaper failed", { error }));
  void reap();
  setInterval(reap, 60 * 1000).unref();
  const sweepExports = () =>
    sweepExpiredExports()
      .then((count) => count > 0 && log.info("expired exports removed", { count }))
      .catch((error) => log.warn("export sweep failed", { error }));
  void sweepExports();
  setInterval(sweepExports, getEnv().KILN_EXPORT_SWEEP_SECONDS * 1000).unref();
}
