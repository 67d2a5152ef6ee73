import "server-only";
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { LanguageModelV4 } from "@ai-sdk/provider";
import type { LlmReply } from "@/lib/ai/llm-calls";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import type { Queryable } from "@/lib/db/types";
import { getEnv } from "@/lib/env";
import { PermanentJobError } from "@/lib/queue/workers";

// The answers a run's model calls got, kept so the run can be replayed: each is keyed by the
// step that asked (decompose, or task:<slug>), the purpose, the attempt and the prompt's hash,
// and sealed with an HMAC under a key from KILN_SECRET over the run and that key, so an answer
// changed in the database (or moved to another call) is refused instead of built. A replay asks
// each call of the run replayed in turn: the nth time it asks a call, it gets the nth answer
// that call got (a job taken again asks again), or the last one when the run replayed asked
// fewer times.

export interface ReplyKey {
  step: string;
  purpose: string;
  attempt: number;
  promptHash: string;
}

/** A replayed call that has no usable recorded answer: the run fails with this reason. */
export class ReplayMismatch extends PermanentJobError {
  override name = "ReplayMismatch";
}

let key: Buffer | undefined;
function sealKey(): Buffer {
  key ??= Buffer.from(hkdfSync("sha256", getEnv().secret, "", "kiln run replies v1", 32));
  return key;
}

function seal(runId: string, at: ReplyKey, reply: string): Buffer {
  return createHmac("sha256", sealKey())
    .update(JSON.stringify([runId, at.step, at.purpose, at.attempt, at.promptHash, reply]))
    .digest();
}

/** A call's answer as run_model_replies stores it: the reply's text and its seal. */
export function sealedReply(runId: string, at: ReplyKey, reply: LlmReply) {
  const text = JSON.stringify(reply);
  return { reply: text, seal: seal(runId, at, text).toString("base64url") };
}

/** "decompose (attempt 1)", "task store (attempt 2)": a step as a reason names it. */
export function describeCall(at: ReplyKey): string {
  const step = at.step.startsWith("task:") ? `task ${at.step.slice(5)}` : at.step;
  return `${step} (${at.purpose}, attempt ${at.attempt})`;
}

/**
 * The recorded answer to the call `at` of the replay `runId`, from the run it replays; undefined
 * when the run replayed never made that call (its prompt differs). An answer whose seal does not
 * hold throws.
 */
export async function recordedAnswer(
  db: Queryable,
  options: { runId: string; replayOf: string; at: ReplyKey },
): Promise<LlmReply | undefined> {
  const { at } = options;
  const where = "step = $2 and purpose = $3 and attempt = $4 and prompt_hash = $5";
  const values = [at.step, at.purpose, at.attempt, at.promptHash];
  const recorded = await db.query<{ reply: string; seal: string }>(
    `select reply, seal from run_model_replies where run_id = $1 and ${where} order by id`,
    [options.replayOf, ...values],
  );
  if (recorded.length === 0) return undefined;
  const [asked] = await db.query<{ n: number }>(
    `select count(*)::int as n from run_model_replies where run_id = $1 and ${where}`,
    [options.runId, ...values],
  );
  const chosen = recorded[Math.min(asked?.n ?? 0, recorded.length - 1)]!;
  const expected = seal(options.replayOf, at, chosen.reply);
  const given = Buffer.from(chosen.seal, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ReplayMismatch(
      `The replay stopped at ${describeCall(at)}: its recorded answer was altered after it was recorded`,
    );
  }
  return JSON.parse(chosen.reply) as LlmReply;
}

/**
 * The model a replay names in its usage rows: the one the run replayed used. It is never asked:
 * every call of a replay is answered from the records (or fails the run), so asking it is a bug
 * that must not reach the network.
 */
export function replayedModel(model: { provider: string; modelId: string }): ResolvedModel {
  const refuse = () =>
    Promise.reject(new Error("A replay answers from recorded model calls; it asks no model"));
  const language: LanguageModelV4 = {
    specificationVersion: "v4",
    provider: `${model.provider}.recorded`,
    modelId: model.modelId,
    supportedUrls: {},
    doGenerate: refuse,
    doStream: refuse,
  };
  return {
    model: language,
    provider: model.provider as ResolvedModel["provider"],
    modelId: model.modelId,
    keySource: "none",
    isServerCall: false,
    settings: {},
  };
}
