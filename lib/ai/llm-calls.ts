import "server-only";
import { sha256 } from "@/lib/auth/crypto";
import { getDb } from "@/lib/db/client";
import { prefixedId } from "@/lib/ids";
import { log } from "@/lib/log";
import type { ProviderId } from "./providers-list";
import type { KeySource, UsageRow } from "./schemas";

// Every model call Kiln makes leaves a row: who, why, which model, with whose key, how many
// tokens, how long, and how it ended. The prompt is kept as a hash, which identifies repeats
// without storing what users wrote twice.

export type LlmOutcome = "ok" | "invalid_output" | "provider_error" | "aborted";

export interface LlmCallRecord {
  userId: string | null;
  chatId?: string | null;
  purpose: string;
  /** A model provider, or "morph" for Morph's apply model. */
  provider: ProviderId | "morph";
  model: string;
  keySource: KeySource;
  prompt: unknown;
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  latencyMs: number;
  outcome: LlmOutcome;
  error?: string | undefined;
  /** Which try of a checked answer this is (1 for the first). */
  attempt?: number | undefined;
  /** The model's answer, when it gave one: kept only for build runs, to replay them. */
  reply?: LlmReply | undefined;
}

/**
 * An answer as a replay needs it: the text the model wrote (what goes back to it with the
 * problems found) and the object parsed from it, when it parsed.
 */
export interface LlmReply {
  text: string;
  output?: unknown;
}

/** What a call's row says before the call: the model as a resolved model names it. */
export type LlmCallStart = Pick<
  LlmCallRecord,
  "userId" | "chatId" | "purpose" | "prompt" | "attempt"
> & {
  model: { provider: LlmCallRecord["provider"]; modelId: string; keySource: KeySource };
};

/** What a call's row says once the call has ended. */
export type LlmCallEnd = Pick<LlmCallRecord, "outcome" | "error" | "reply"> & {
  usage?: { inputTokens?: number | undefined; outputTokens?: number | undefined };
};

/**
 * Starts the clock on one model call; the function returned records how the call ended and
 * how long it took.
 */
export function startLlmCall(
  call: LlmCallStart,
  options: {
    /** Awaited before the row is written (a row that refers to a chat waits for the chat). */
    beforeRecord?: () => Promise<unknown>;
    /** Where calls are recorded; llm_calls unless a test says otherwise. */
    recordCall?: (call: LlmCallRecord) => Promise<void>;
  } = {},
): (end: LlmCallEnd) => Promise<void> {
  const started = performance.now();
  const { model, ...known } = call;
  return async ({ usage, ...end }) => {
    const latencyMs = performance.now() - started;
    await options.beforeRecord?.().catch(() => {});
    await (options.recordCall ?? recordLlmCall)({
      ...known,
      provider: model.provider,
      model: model.modelId,
      keySource: model.keySource,
      latencyMs,
      inputTokens: usage?.inputTokens,
      outputTokens: usage?.outputTokens,
      ...end,
    });
  };
}

// Rows are written in batches, off the request's path: a model call is already the slow part
// of a request, and one multi-row insert is far cheaper than one per call. Readers of usage
// flush first, so they always see every call made before they asked.
const pending: unknown[][] = [];
let flushing: Promise<void> | undefined;
let timer: NodeJS.Timeout | undefined;
const flushAfterMs = 250;
const columns = 13;

/** What identifies a prompt in llm_calls (and a recorded answer in a replay). */
export function promptHash(prompt: unknown): string {
  return sha256(JSON.stringify(prompt));
}

/**
 * An llm_calls row's values in column order (id, user_id, then `owner`: the chat or the run it
 * belongs to, then purpose ... error), for every writer of the table.
 */
export function llmCallValues(call: LlmCallRecord, owner: string | null): unknown[] {
  return [
    prefixedId("llm"),
    call.userId,
    owner,
    call.purpose,
    call.provider,
    call.model,
    call.keySource,
    promptHash(call.prompt),
    call.inputTokens ?? null,
    call.outputTokens ?? null,
    Math.round(call.latencyMs),
    call.outcome,
    call.error?.slice(0, 1000) ?? null,
  ];
}

export function recordLlmCall(call: LlmCallRecord): Promise<void> {
  pending.push(llmCallValues(call, call.chatId ?? null));
  if (pending.length >= 200) return flushLlmCalls();
  timer ??= setTimeout(() => void flushLlmCalls(), flushAfterMs);
  timer.unref?.();
  return Promise.resolve();
}

/** Writes every recorded call not yet written. */
export async function flushLlmCalls(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = undefined;
  await flushing;
  if (pending.length === 0) return;
  const rows = pending.splice(0, pending.length);
  flushing = (async () => {
    try {
      const db = await getDb();
      const values = rows
        .map(
          (_, r) =>
            `(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(", ")})`,
        )
        .join(", ");
      // A chat (or account) deleted between the call and this write leaves the row without
      // it, as deleting it later would: one such row must not cost the whole batch.
      await db.query(
        `insert into llm_calls (id, user_id, chat_id, purpose, provider, model, key_source,
           prompt_hash, input_tokens, output_tokens, latency_ms, outcome, error)
         select v.id, u.id, c.id, v.purpose, v.provider, v.model, v.key_source, v.prompt_hash,
                v.input_tokens::int, v.output_tokens::int, v.latency_ms::int, v.outcome, v.error
           from (values ${values}) as v(id, user_id, chat_id, purpose, provider, model,
                  key_source, prompt_hash, input_tokens, output_tokens, latency_ms, outcome, error)
           left join users u on u.id = v.user_id::uuid
           left join chats c on c.id = v.chat_id`,
        rows.flat(),
      );
    } catch (error) {
      // Losing usage rows must not fail anyone's request; it is logged.
      log.warn("llm_call.record_failed", { rows: rows.length, reason: (error as Error).message });
    }
  })();
  await flushing;
  flushing = undefined;
}

/** Totals per provider, model and purpose over the last `days` days. */
export async function usageSummary(userId: string, days = 30): Promise<UsageRow[]> {
  await flushLlmCalls();
  const db = await getDb();
  const rows = await db.query<{
    provider: string;
    model: string;
    purpose: string;
    calls: number;
    failures: number;
    input_tokens: number;
    output_tokens: number;
    average_latency_ms: number;
  }>(
    `select provider, model, purpose, count(*)::int as calls,
            count(*) filter (where outcome <> 'ok')::int as failures,
            coalesce(sum(input_tokens), 0)::int as input_tokens,
            coalesce(sum(output_tokens), 0)::int as output_tokens,
            coalesce(round(avg(latency_ms)), 0)::int as average_latency_ms
       from llm_calls
      where user_id = $1 and created_at > now() - make_interval(days => $2)
      group by provider, model, purpose
      order by calls desc, provider, model`,
    [userId, days],
  );
  return rows.map((r) => ({
    provider: r.provider,
    model: r.model,
    purpose: r.purpose,
    calls: r.calls,
    failures: r.failures,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    averageLatencyMs: r.average_latency_ms,
  }));
}
