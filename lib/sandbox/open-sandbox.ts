import "server-only";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { log } from "@/lib/log";
import type { TemplateId } from "@/lib/templates/templates";
import type { SandboxHandle } from "./provider";
import { defaultProviderName, providerFor } from "./providers";
import {
  countRunningSandboxes,
  expiredSandboxes,
  extendSandbox,
  getSandbox,
  listRunningSandboxes,
  markSandbox,
  reserveSandbox,
  type SandboxRow,
  setSandboxExternalId,
} from "./sandboxes";

// Every use of a sandbox goes through here: the row is looked up by owner (another user's id
// is 404), an expired or vanished sandbox is reported as gone, and each use extends its life.

export interface OpenSandbox {
  row: SandboxRow;
  handle: SandboxHandle;
}

export const lifetimeMs = () => getEnv().KILN_SANDBOX_LIFETIME_SECONDS * 1000;

/** The caller's live sandbox, or 404 (also when it expired or its provider lost it). */
export async function getSandboxOrThrow(userId: string, id: string): Promise<OpenSandbox> {
  const row = await getSandbox(userId, id);
  if (row.status !== "running" || Date.parse(row.expiresAt) <= Date.now()) {
    if (row.status === "running") await endSandbox(row, "expired");
    throw gone(row.id, row.status === "stopped" ? "was deleted" : "expired");
  }
  const handle = await (await providerFor(row.provider)).connect(row.id, row.externalId ?? row.id);
  if (!handle) {
    await markSandbox(row.id, "expired");
    throw gone(row.id, "is no longer running");
  }
  // Extend only when half the lifetime is used, so a busy sandbox costs no write per call.
  if (Date.parse(row.expiresAt) - Date.now() < lifetimeMs() / 2) {
    await Promise.all([extendSandbox(row.id, lifetimeMs()), handle.setTimeout(lifetimeMs())]);
  }
  return { row, handle };
}

function gone(id: string, why: string) {
  return new KilnError("NOT_FOUND", `Sandbox ${id} ${why}; run the fragment again for a new one`, {
    reason: "sandbox_gone",
  });
}

export async function createSandbox(options: {
  userId: string;
  template: TemplateId;
}): Promise<OpenSandbox> {
  const provider = await providerFor(defaultProviderName());
  const row = await reserveSandbox({
    userId: options.userId,
    provider: provider.name,
    template: options.template,
    lifetimeMs: lifetimeMs(),
    maxPerUser: getEnv().KILN_SANDBOX_MAX_PER_USER,
    // A warm spare is a sandbox on this machine too, though no user's.
    maxTotal: getEnv().KILN_SANDBOX_MAX_TOTAL - (provider.heldSpares?.(options.template) ?? 0),
  });
  try {
    const handle = await provider.create({
      sbxId: row.id,
      template: options.template,
      lifetimeMs: lifetimeMs(),
      metadata: { kilnSandboxId: row.id, kilnUserId: options.userId },
      roomForSpare: async () => (await countRunningSandboxes()) < getEnv().KILN_SANDBOX_MAX_TOTAL,
    });
    if (handle.externalId !== row.id) await setSandboxExternalId(row.id, handle.externalId);
    return { row: { ...row, externalId: handle.externalId }, handle };
  } catch (error) {
    await markSandbox(row.id, "stopped");
    throw error;
  }
}

/** Stops the sandbox wherever it runs and marks its row; errors are logged, not thrown. */
export async function endSandbox(row: SandboxRow, status: "stopped" | "expired") {
  await markSandbox(row.id, status);
  try {
    await (await providerFor(row.provider)).destroy(row.id, row.externalId ?? row.id);
  } catch (error) {
    log.warn("sandbox not destroyed", { sbxId: row.id, error });
  }
}

export async function deleteSandbox(userId: string, id: string) {
  const row = await getSandbox(userId, id);
  if (row.status === "running") await endSandbox(row, "stopped");
}

/** GET /api/sandbox/:id: the row as clients see it; a running sandbox past expiry is ended. */
export async function describeSandbox(userId: string, id: string) {
  let row = await getSandbox(userId, id);
  if (row.status === "running" && Date.parse(row.expiresAt) <= Date.now()) {
    await endSandbox(row, "expired");
    row = { ...row, status: "expired" };
  }
  return described(row);
}

const described = (row: SandboxRow) => ({
  sbxId: row.id,
  template: row.template,
  provider: row.provider,
  status: row.status,
  workingDirectory: row.workingDirectory,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
});

/** GET /api/sandbox: the caller's running sandboxes, oldest first, with their chats. */
export async function listSandboxes(userId: string) {
  const rows = await listRunningSandboxes(userId);
  return {
    sandboxes: rows.map((row) => ({
      ...described(row),
      chatId: row.chatId,
      chatTitle: row.chatTitle,
    })),
  };
}

/** Ends running sandboxes past their expiry; run at start and then periodically. */
export async function reapExpiredSandboxes(): Promise<number> {
  let reaped = 0;
  for (;;) {
    const expired = await expiredSandboxes();
    for (const row of expired) await endSandbox(row, "expired");
    reaped += expired.length;
    if (expired.length < 100) return reaped;
  }
}
