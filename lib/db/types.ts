/** What every query in Kiln runs against: a PGlite database or a Postgres pool, or a transaction of either. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs several statements separated by semicolons, without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: "pglite" | "postgres";
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs fn while holding a Postgres session-level advisory lock (a no-op lock on PGlite, which has one process). */
  withAdvisoryLock<T>(key: number, fn: (conn: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onMessage` with the payload of each NOTIFY on `channel` from any process sharing the
   * database, and `onGap` when the listening connection was lost and made again (notifications
   * may have been missed meanwhile). PGlite has one process: it never notifies, and the
   * process's own notices are its callers' to deliver. Resolves with a way to stop listening.
   */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    onGap?: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
