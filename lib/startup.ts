import "server-only";
import { deleteExpiredSessions } from "@/lib/auth/sessions";
import { getDb } from "@/lib/db/client";
import { log } from "@/lib/log";
import { reapExpiredSandboxes } from "@/lib/sandbox/open-sandbox";

const holder = globalThis as unknown as { __kilnStarted?: boolean };

export function startBackground(): void {
  if (holder.__kilnStarted) return;
  holder.__kilnStarted = true;
  getDb().catch((error) => log.error("database failed to open", { error }));
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
}
