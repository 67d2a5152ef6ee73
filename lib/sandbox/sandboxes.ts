import "server-only";
import { getDb } from "@/lib/db/client";
import { KilnError, notFound } from "@/lib/errors";
import { prefixedId } from "@/lib/ids";

// The rows behind sandboxes. A caller's lookup is by owner (getSandbox): a sandbox id alone
// grants nothing, and another user's id is indistinguishable from one that does not exist. The
// updates below take the id of a row such a lookup (or the reaper's expiredSandboxes) returned.

export interface SandboxRow {
  id: string;
  userId: string;
  provider: "local" | "e2b";
  template: string;
  status: "running" | "stopped" | "expired";
  externalId: string | null;
  workingDirectory: string;
  createdAt: string;
  expiresAt: string;
}

interface Row {
  id: string;
  user_id: string;
  provider: "local" | "e2b";
  template: string;
  status: "running" | "stopped" | "expired";
  external_id: string | null;
  working_directory: string;
  created_at: Date;
  expires_at: Date;
}

const toSandbox = (r: Row): SandboxRow => ({
  id: r.id,
  userId: r.user_id,
  provider: r.provider,
  template: r.template,
  status: r.status,
  externalId: r.external_id,
  workingDirectory: r.working_directory,
  createdAt: new Date(r.created_at).toISOString(),
  expiresAt: new Date(r.expires_at).toISOString(),
});

// Every reservation takes this one lock, so the counts it reads cannot change before its row is
// in: under READ COMMITTED two transactions would otherwise both count 4 of 5 and both insert.
// Reservations are one short transaction each, so serialising them costs nothing that matters.
const reservationLockKey = 0x6b73627;

/**
 * Takes a slot for a new sandbox, before the (slow) sandbox exists: counts the caller's running
 * sandboxes and everyone's, and inserts the row, as one step. The caller marks the row stopped
 * if the sandbox then cannot be created, which frees the slot.
 */
export async function reserveSandbox(options: {
  userId: string;
  provider: "local" | "e2b";
  template: string;
  lifetimeMs: number;
  maxPerUser: number;
  maxTotal: number;
}): Promise<SandboxRow> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock($1)", [reservationLockKey]);
    const [counts] = await tx.query<{ mine: number | string; total: number | string }>(
      `select count(*) filter (where user_id = $1) as mine, count(*) as total
         from sandboxes where status = 'running' and expires_at > now()`,
      [options.userId],
    );
    if (Number(counts?.mine ?? 0) >= options.maxPerUser) {
      throw new KilnError(
        "CONFLICT",
        `You have ${options.maxPerUser} running sandboxes, the most allowed; delete one or wait for one to expire`,
        { reason: "sandbox_limit" },
      );
    }
    if (Number(counts?.total ?? 0) >= options.maxTotal) {
      throw new KilnError(
        "SERVICE_UNAVAILABLE",
        `This server is running ${options.maxTotal} sandboxes, as many as it allows; try again when one ends`,
        { reason: "sandbox_capacity", headers: { "Retry-After": "60" } },
      );
    }
    const [row] = await tx.query<Row>(
      `insert into sandboxes (id, user_id, provider, template, expires_at)
       values ($1, $2, $3, $4, now() + make_interval(secs => $5)) returning *`,
      [
        prefixedId("sbx"),
        options.userId,
        options.provider,
        options.template,
        options.lifetimeMs / 1000,
      ],
    );
    return toSandbox(row as Row);
  });
}

/** How many sandboxes run on this server, all users together. */
export async function countRunningSandboxes(): Promise<number> {
  const db = await getDb();
  const [row] = await db.query<{ total: number | string }>(
    "select count(*) as total from sandboxes where status = 'running' and expires_at > now()",
  );
  return Number(row?.total ?? 0);
}

/** The caller's sandbox row, whatever its status, or 404; open-sandbox.ts decides what is live. */
export async function getSandbox(userId: string, id: string): Promise<SandboxRow> {
  const db = await getDb();
  const [row] = await db.query<Row>("select * from sandboxes where id = $1 and user_id = $2", [
    id,
    userId,
  ]);
  if (!row) throw notFound("Sandbox");
  return toSandbox(row);
}

export async function setWorkingDirectory(id: string, directory: string): Promise<void> {
  const db = await getDb();
  await db.query("update sandboxes set working_directory = $2, updated_at = now() where id = $1", [
    id,
    directory,
  ]);
}

export async function extendSandbox(id: string, lifetimeMs: number): Promise<void> {
  const db = await getDb();
  await db.query(
    `update sandboxes set expires_at = greatest(expires_at, now() + make_interval(secs => $2)),
            updated_at = now() where id = $1 and status = 'running'`,
    [id, lifetimeMs / 1000],
  );
}

export async function markSandbox(id: string, status: "stopped" | "expired"): Promise<void> {
  const db = await getDb();
  await db.query("update sandboxes set status = $2, updated_at = now() where id = $1", [
    id,
    status,
  ]);
}

/** Running sandboxes past their expiry, for the reaper. */
export async function expiredSandboxes(): Promise<SandboxRow[]> {
  const db = await getDb();
  const rows = await db.query<Row>(
    "select * from sandboxes where status = 'running' and expires_at <= now() limit 100",
  );
  return rows.map(toSandbox);
}

export async function setSandboxExternalId(id: string, externalId: string): Promise<void> {
  const db = await getDb();
  await db.query("update sandboxes set external_id = $2, updated_at = now() where id = $1", [
    id,
    externalId,
  ]);
}

/** A running sandbox of the caller's, with the chat that keeps it (if any). */
export interface RunningSandboxRow extends SandboxRow {
  chatId: string | null;
  chatTitle: string | null;
}

/** The caller's running sandboxes, oldest first, each with the chat that keeps it. */
export async function listRunningSandboxes(userId: string): Promise<RunningSandboxRow[]> {
  const db = await getDb();
  const rows = await db.query<Row & { chat_id: string | null; chat_title: string | null }>(
    `select s.*, c.id as chat_id, c.title as chat_title
       from sandboxes s left join chats c on c.sbx_id = s.id and c.user_id = s.user_id
      where s.user_id = $1 and s.status = 'running' and s.expires_at > now()
      order by s.created_at, s.id limit 100`,
    [userId],
  );
  return rows.map((r) => ({ ...toSandbox(r), chatId: r.chat_id, chatTitle: r.chat_title }));
}
