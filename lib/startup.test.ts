import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test, vi } from "vitest";
import { importWithEnv } from "@/tests/support/env";

// What start-up registers for the way out, run as server.ts runs it on SIGTERM.

const dataDir = await mkdtemp(path.join(tmpdir(), "kiln-startup-"));
afterAll(async () => {
  vi.useRealTimers();
  await rm(dataDir, { recursive: true, force: true });
});

// Opening the embedded database (and migrating it) takes a few seconds on a loaded machine.
test("a model-call row still pending at shutdown is in the database afterwards", {
  timeout: 60_000,
}, async () => {
  const { registerProcessHooks } = await importWithEnv<typeof import("./startup")>(
    "@/lib/startup",
    { DATA_DIR: dataDir, DATABASE_URL: undefined },
  );
  const { recordLlmCall } = await import("@/lib/ai/llm-calls");
  const { getDb } = await import("@/lib/db/client");
  const { shutdown } = await import("@/lib/process-lifetime");
  const db = await getDb();
  // The batch timer never fires on its own here: only shutdown can write the row.
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  registerProcessHooks();
  await recordLlmCall({
    userId: null,
    purpose: "shutdown-test",
    provider: "openai",
    model: "gpt-test",
    keySource: "none",
    prompt: "hello",
    latencyMs: 12,
    outcome: "ok",
  });
  const before = await db.query("select id from llm_calls where purpose = 'shutdown-test'");
  expect(before).toEqual([]);

  await shutdown();

  const after = await db.query<{ model: string; latency_ms: number }>(
    "select model, latency_ms from llm_calls where purpose = 'shutdown-test'",
  );
  expect(after).toEqual([{ model: "gpt-test", latency_ms: 12 }]);
});
