import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

// The session check's cache, against a database that counts its reads: what the request path
// waits for, and how stale an answer can be.

interface Row {
  session_id: string;
  created_at: Date;
  expires_at: Date;
  user_agent: string | null;
  id: string;
  email: string;
  is_admin: boolean;
  tier: string;
}

const db = vi.hoisted(() => ({
  rows: new Map<string, Row>(),
  reads: 0,
  /** Reads wait for this when set, so a test can hold them in flight. */
  gate: undefined as Promise<void> | undefined,
}));

vi.mock("@/lib/db/client", () => ({
  getDb: async () => ({
    query: async (sql: string, params: unknown[]) => {
      if (sql.includes("from sessions s join users")) {
        db.reads++;
        // The row as of the read's start, answered when the gate opens.
        const row = db.rows.get(params[0] as string);
        await db.gate;
        return row && row.expires_at.getTime() > Date.now() ? [row] : [];
      }
      if (sql.startsWith("delete from sessions where token_hash")) {
        db.rows.delete(params[0] as string);
        return [];
      }
      throw new Error(`unexpected query: ${sql}`);
    },
  }),
}));

const { sha256 } = await import("./crypto");
const { deleteSession, getSessionCaller } = await import("./sessions");

const settle = () => new Promise((resolve) => setImmediate(resolve));
const request = new Request("http://localhost/api/auth/me");
let token = 0;
function session(): string {
  const value = `token-${++token}`;
  db.rows.set(sha256(value), {
    session_id: `session-${token}`,
    created_at: new Date(),
    expires_at: new Date(Date.now() + 3_600_000),
    user_agent: null,
    id: `user-${token}`,
    email: `user${token}@example.com`,
    is_admin: false,
    tier: "free",
  });
  return value;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  db.reads = 0;
  db.gate = undefined;
});
afterEach(() => vi.useRealTimers());

describe("getSessionCaller", () => {
  test("requests that arrive together share one read", async () => {
    const value = session();
    let open = () => {};
    db.gate = new Promise((resolve) => (open = resolve));
    const callers = Array.from({ length: 20 }, () => getSessionCaller(value, request));
    open();
    const resolved = await Promise.all(callers);
    expect(db.reads).toBe(1);
    expect(resolved.every((caller) => caller?.user.id === `user-${token}`)).toBe(true);
  });

  test("a session in use is read again in the background, never on the request path", async () => {
    const value = session();
    await getSessionCaller(value, request);
    expect(db.reads).toBe(1);
    for (let second = 0; second < 30; second++) {
      vi.advanceTimersByTime(500);
      let open = () => {};
      db.gate = new Promise((resolve) => (open = resolve));
      // Answered while any read it started is still held: nothing on its path waits for one.
      const caller = await getSessionCaller(value, request);
      expect(caller?.sessionId).toBe(`session-${token}`);
      open();
      await settle();
    }
    // About one read per four seconds of use, not one per request.
    expect(db.reads).toBeGreaterThan(2);
    expect(db.reads).toBeLessThan(8);
  });

  test("a session deleted elsewhere stops working within the TTL", async () => {
    const value = session();
    await getSessionCaller(value, request);
    db.rows.delete(sha256(value)); // another instance logged it out
    let refused = -1;
    for (let step = 1; step <= 12; step++) {
      vi.advanceTimersByTime(500);
      const caller = await getSessionCaller(value, request);
      await settle(); // let a background read land
      if (!caller) {
        refused = step * 500;
        break;
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(5_000);
  });

  test("logging out here is effective at once, even with a read in flight", async () => {
    const value = session();
    await getSessionCaller(value, request);
    vi.advanceTimersByTime(4_500); // the next request starts a background read
    let open = () => {};
    db.gate = new Promise((resolve) => (open = resolve));
    expect(await getSessionCaller(value, request)).not.toBeNull();
    await deleteSession(value);
    open();
    await settle();
    db.gate = undefined;
    expect(await getSessionCaller(value, request)).toBeNull();
  });
});
