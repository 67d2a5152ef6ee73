import "server-only";
import { type LlmCallRecord, type LlmReply, llmCallValues, promptHash } from "@/lib/ai/llm-calls";
import { type ResolvedModel, resolveModel } from "@/lib/ai/resolve-model";
import { getDb } from "@/lib/db/client";
import type { Database } from "@/lib/db/types";
import { appendEventIf } from "@/lib/events/events";
import type { Job } from "@/lib/queue/queue";
import { type JobContext, PermanentJobError } from "@/lib/queue/workers";
import { type RunEventType, runStream } from "./event-types";
import {
  describeCall,
  ReplayMismatch,
  recordedAnswer,
  replayedModel,
  sealedReply,
} from "./recorded-model";
import type { RunRow } from "./run-rows";
import { finishRun, watchRun } from "./run-state";

// What every job of a build run shares: the run it works on (a run that has ended is left
// alone), a signal that aborts when the run is cancelled or its token budget is spent, events
// appended once per job whatever attempt this is, model calls recorded against the run (with
// their answers, so the run can be replayed; a replay's calls are answered from the run it
// replays), and a way to fail the run with a reason.

/** What a step's model calls go through: generateChecked's resolved, recordCall and answer. */
export interface StepModel {
  /** The model the run's user builds with (their provider, else the server's). */
  resolved: ResolvedModel;
  recordCall(call: LlmCallRecord): Promise<void>;
  /** In a replay, the recorded answer to a call (a call with none fails the run). */
  answer?: (call: {
    purpose: string;
    attempt: number;
    promptHash: string;
  }) => Promise<LlmReply | undefined>;
}

export interface RunJobTools {
  db: Database;
  run: RunRow;
  signal: AbortSignal;
  /** Appends the event once for this job: `key` names it among the job's events. */
  emit(
    key: string,
    type: RunEventType,
    payload: Record<string, unknown>,
    taskId?: string | null,
  ): Promise<void>;
  /** The model calls of one step: "decompose", or "task:<slug>". */
  modelFor(step: string): Promise<StepModel>;
  /** Throws when the run was cancelled or spent its budget meanwhile: call between steps. */
  checkpoint(): void;
  /** Fails the run (once) and stops this job without a retry. */
  fail(reason: string): Promise<never>;
}

class BudgetSpent extends Error {}

export async function withRun(
  job: Job,
  context: JobContext,
  work: (tools: RunJobTools) => Promise<void>,
): Promise<void> {
  const db = await getDb();
  const runId = String(job.payload.runId);
  const [run] = await db.query<RunRow>("select * from runs where id = $1", [runId]);
  if (!run || run.completed_at) return;
  const watch = watchRun(runId, context.signal);
  const { signal } = watch.controller;
  let resolved: Promise<ResolvedModel> | undefined;
  const fail = async (reason: string): Promise<never> => {
    await finishRun(db, { runId, status: "failed", error: reason, exceptJob: job.id });
    throw new PermanentJobError(reason);
  };
  const overBudget = (used: number, budget: number | null) =>
    budget !== null && used > budget
      ? `The run used ${used} tokens, over its budget of ${budget}`
      : undefined;
  const userModel = () => {
    resolved ??= db
      .query<{ id: string; is_admin: boolean }>("select id, is_admin from users where id = $1", [
        run.user_id,
      ])
      .then(([user]) => resolveModel({ id: run.user_id, isAdmin: user?.is_admin ?? false }, {}));
    return resolved;
  };
  const record = async (step: string, call: LlmCallRecord) => {
    const tokens = (call.inputTokens ?? 0) + (call.outputTokens ?? 0);
    const at = {
      step,
      purpose: call.purpose,
      attempt: call.attempt ?? 1,
      promptHash: promptHash(call.prompt),
    };
    const sealed = call.reply ? sealedReply(runId, at, call.reply) : undefined;
    // The call's row, its answer and the run's tokens in one statement.
    const [row] = await db.query<{ tokens_used: number; token_budget: number | null }>(
      `with call as (
         insert into llm_calls (id, user_id, run_id, purpose, provider, model, key_source,
           prompt_hash, input_tokens, output_tokens, latency_ms, outcome, error)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ), reply as (
         insert into run_model_replies (run_id, user_id, step, purpose, attempt, prompt_hash,
           reply, seal)
         select $3, $2, $15, $4, $16, $8, $17, $18 where $17::text is not null
       )
       update runs set tokens_used = tokens_used + $14, updated_at = now()
        where id = $3
       returning tokens_used, token_budget`,
      [
        ...llmCallValues(call, runId),
        tokens,
        step,
        at.attempt,
        sealed?.reply ?? null,
        sealed?.seal ?? null,
      ],
    );
    const spent = row && overBudget(row.tokens_used, row.token_budget);
    if (spent) watch.controller.abort(new BudgetSpent(spent));
  };
  const tools: RunJobTools = {
    db,
    run,
    signal,
    async emit(key, type, payload, taskId) {
      // A run that has ended says nothing more: its final event is its last (a cancel that
      // lands while a step still reports must not be followed by that step's output).
      if (signal.aborted) return;
      // Once per job whatever attempt this is, in the insert itself: a worker killed after
      // writing the event and before going on must not write it again when the job is retaken.
      // The run being open is checked there too: a run that ends meanwhile gets nothing after
      // its end.
      await appendEventIf(
        db,
        {
          stream: runStream(runId),
          type,
          payload,
          taskId: taskId ?? null,
          onceKey: `${job.id}:${key}`,
        },
        {
          sql: "exists (select 1 from runs where id = $7 and completed_at is null)",
          params: [runId],
        },
      );
    },
    async modelFor(step) {
      const recordCall = (call: LlmCallRecord) => record(step, call);
      const replayOf = run.replay_of;
      if (!replayOf) return { resolved: await userModel(), recordCall };
      return {
        // A replay that may not ask the model reaches no network: not even to resolve one.
        resolved: run.replay_asks_model
          ? await userModel()
          : replayedModel(await modelOfRun(db, replayOf)),
        recordCall,
        async answer(call) {
          const at = { step, ...call };
          const reply = await recordedAnswer(db, { runId, replayOf, at });
          if (reply || run.replay_asks_model) return reply;
          throw new ReplayMismatch(
            `The replay stopped at ${describeCall(at)}: the run it replays has no answer recorded for this prompt, which differs from the one it sent`,
          );
        },
      };
    },
    checkpoint() {
      if (signal.aborted) throw signal.reason;
    },
    fail,
  };
  try {
    const spent = overBudget(run.tokens_used, run.token_budget);
    if (spent) await fail(spent);
    await work(tools);
  } catch (error) {
    if (signal.reason instanceof BudgetSpent) await fail(signal.reason.message);
    // A job that cannot succeed ends the run with its reason (nothing changes if it has ended).
    if (error instanceof PermanentJobError) await fail(error.message);
    // Cancelled, or ended by another job: nothing of this job's is left to record.
    if (!context.signal.aborted && (await hasEnded(db, runId))) return;
    // The queue gives up after this attempt: the run must not wait for a job that is over.
    if (!context.signal.aborted && job.attempts >= job.maxAttempts) {
      await fail(error instanceof Error ? error.message : String(error));
    }
    throw error;
  } finally {
    watch.release();
  }
}

/** The model the run's calls went to, as its usage rows name it. */
async function modelOfRun(db: Database, runId: string) {
  const [call] = await db.query<{ provider: string; model: string }>(
    "select provider, model from llm_calls where run_id = $1 order by created_at limit 1",
    [runId],
  );
  return { provider: call?.provider ?? "openai-compatible", modelId: call?.model ?? "unknown" };
}

async function hasEnded(db: Database, runId: string): Promise<boolean> {
  const [row] = await db.query<{ completed_at: Date | null }>(
    "select completed_at from runs where id = $1",
    [runId],
  );
  return !row || row.completed_at !== null;
}
