import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { importWithEnv } from "@/tests/support/env";

// Model-call rows are written in batches: a row whose chat was deleted before the batch went
// out keeps its place without the chat, and costs the batch's other rows nothing.

const dataDir = await mkdtemp(path.join(tmpdir(), "kiln-llm-calls-"));
afterAll(async () => {
  const { getDb } = await import("@/lib/db/client");
  await (await getDb()).close();
  await rm(dataDir, { recursive: true, force: true });
});

test("a row whose chat is gone is written without it, beside the rest of its batch", {
  timeout: 60_000,
}, async () => {
  const { recordLlmCall, flushLlmCalls } = await importWithEnv<typeof import("./llm-calls")>(
    "@/lib/ai/llm-calls",
    { DATA_DIR: dataDir, DATABASE_URL: undefined },
  );
  const { getDb } = await import("@/lib/db/client");
  const db = await getDb();
  const [user] = await db.query<{ id: string }>(
    "insert into users (email, password_hash) values ('calls@example.test', 'x') returning id",
  );
  await db.query("insert into chats (id, user_id, title) values ('chat_kept', $1, 'kept')", [
    user!.id,
  ]);
  const call = (purpose: string, chatId: string) =>
    recordLlmCall({
      userId: user!.id,
      chatId,
      purpose,
      provider: "openai",
      model: "gpt-test",
      keySource: "server",
      prompt: purpose,
      latencyMs: 5,
      outcome: "ok",
    });
  await call("kept", "chat_kept");
  await call("orphan", "chat_deleted_meanwhile");
  await flushLlmCalls();
  const rows = await db.query<{ purpose: string; chat_id: string | null; user_id: string }>(
    "select purpose, chat_id, user_id from llm_calls order by purpose",
  );
  expect(rows).toEqual([
    { purpose: "kept", chat_id: "chat_kept", user_id: user!.id },
    { purpose: "orphan", chat_id: null, user_id: user!.id },
  ]);
});
