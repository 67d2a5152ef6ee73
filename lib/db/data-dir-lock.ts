// One process per DATA_DIR: two PGlite openers of one data directory destroy it. The lock is a
// POSIX record lock (fcntl) that SQLite takes on DATA_DIR/kiln.lock for an exclusive
// transaction that is never ended. The kernel grants it to one process at a time, so two
// processes starting at the same instant cannot both win, and it releases it when the process
// ends in any way, SIGKILL included, so a crashed Kiln never blocks the next start. It also
// holds across containers that share the directory, where pids mean nothing.
//
// Imported by server.ts and by scripts/ under plain Node: relative .ts imports only, no
// "server-only".
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { processSlot } from "../process-lifetime.ts";

export class DataDirInUseError extends Error {
  readonly holderPid: number | undefined;

  constructor(dataDir: string, holderPid: number | undefined) {
    const holder = holderPid ? `another Kiln process (pid ${holderPid})` : "another Kiln process";
    super(
      `DATA_DIR ${dataDir} is in use by ${holder}: the embedded database allows one process. ` +
        "Stop that process first, or give every Kiln process the same Postgres with DATABASE_URL.",
    );
    this.name = "DataDirInUseError";
    this.holderPid = holderPid;
  }
}

// The lock belongs to the process, not to a module: server.ts and Next's bundled copy of this
// file both run in one process and must see one lock. A second SQLite connection of the same
// process would be refused like another process.
const locks = processSlot("data-dir-locks", () => new Map<string, DatabaseSync>());

/** The file naming the pid of the process holding DATA_DIR, for the refusal message. */
const pidFile = (dataDir: string) => path.join(dataDir, "kiln.pid");

function loadSqlite(): typeof import("node:sqlite") {
  // node:sqlite announces itself as experimental once per process; Kiln uses it only for its
  // file lock, which is SQLite's own, so the notice would say nothing true about Kiln.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return process.getBuiltinModule("node:sqlite");
  } finally {
    process.emitWarning = emitWarning;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolderPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(dataDir), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes DATA_DIR for this process, for the rest of its life (the kernel releases it at exit),
 * or throws DataDirInUseError naming the holder. Taking it again in the same process is a no-op.
 */
export function lockDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = realpathSync(dataDir);
  if (locks.has(key)) return;
  const { DatabaseSync } = loadSqlite();
  const db = new DatabaseSync(path.join(key, "kiln.lock"));
  try {
    // No journal file: this database never holds anything.
    db.exec("pragma journal_mode = memory");
    db.exec("begin exclusive");
  } catch (error) {
    db.close();
    if ((error as { errcode?: number }).errcode !== 5 /* SQLITE_BUSY */) throw error;
    throw new DataDirInUseError(dataDir, waitForHolderPid(key));
  }
  locks.set(key, db);
  const temporary = `${pidFile(key)}.${process.pid}`;
  writeFileSync(temporary, `${process.pid}\n`);
  renameSync(temporary, pidFile(key));
  process.once("exit", () => {
    if (readHolderPid(key) === process.pid) rmSync(pidFile(key), { force: true });
  });
}

/** Gives DATA_DIR up before the process ends, once its database is closed. */
export function unlockDataDir(dataDir: string): void {
  const key = realpathSync(dataDir);
  const db = locks.get(key);
  if (!db) return;
  if (readHolderPid(key) === process.pid) rmSync(pidFile(key), { force: true });
  db.close();
  locks.delete(key);
}

// The winner writes its pid just after it takes the lock; a process that lost by a hair may
// look before that.
function waitForHolderPid(dataDir: string): number | undefined {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pid = readHolderPid(dataDir);
    if (pid) return pid;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
  return undefined;
}

/** Where a running Kiln answers backup requests (lib/db/backup-socket.ts). */
export function backupSocketPath(dataDir: string): string {
  return path.join(dataDir, "control", "backup.sock");
}
