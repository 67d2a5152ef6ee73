import "server-only";
import {
  generateText,
  type ModelMessage,
  NoObjectGeneratedError,
  Output,
  parsePartialJson,
} from "ai";
import { type LlmCallRecord, startLlmCall } from "@/lib/ai/llm-calls";
import { providerFailure, providerFailureReason } from "@/lib/ai/model-errors";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { streamModel } from "@/lib/ai/stream-model";
import { type Fragment, fragmentOutputSchema, fragmentSchema } from "@/lib/fragments/schema";

// One fragment, written by the model while the user watches. The caller waits for the first
// output before answering (so a provider that fails at once is a clean 502), then relays partial
// fragments as they grow, and finally gets either a fragment that passed validation or the
// reason there is none. Output that does not validate gets one repair attempt; a half-written
// fragment is never presented as done.

// Built once: the JSON schema the provider is sent is derived from the zod schema, which is
// work better not repeated for every request.
const objectOutput = Output.object({ schema: fragmentOutputSchema });

export type FragmentOutcome =
  | { ok: true; fragment: Fragment }
  | { ok: false; reason: string; outcome: "invalid_output" | "provider_error" | "aborted" };

export interface FragmentRun {
  /** Partial fragments, growing, at most every `throttleMs`; ends when the model stops. */
  partials(): AsyncGenerator<Record<string, unknown>>;
  /** Or the model's text as it arrives, in pieces; ends when the model stops. */
  texts(): AsyncGenerator<string>;
  /** After partials() has ended. */
  outcome(): Promise<FragmentOutcome>;
}

interface Options {
  resolved: ResolvedModel;
  /** The template the user chose; a fragment on another one does not count as valid. */
  template?: string | undefined;
  system: string;
  messages: ModelMessage[];
  abortSignal?: AbortSignal;
  record: Pick<LlmCallRecord, "userId" | "chatId">;
  /** Awaited before a call is recorded (the row refers to the chat, stored by then). */
  beforeRecord?: () => Promise<unknown>;
  /** Where calls are recorded; llm_calls unless a test says otherwise. */
  recordCall?: (call: LlmCallRecord) => Promise<void>;
  throttleMs?: number;
}

export async function startFragment(options: Options): Promise<FragmentRun> {
  const { resolved } = options;
  const throttleMs = options.throttleMs ?? 30;
  const startCall = (purpose: string) =>
    startLlmCall(
      { ...options.record, purpose, model: resolved, prompt: [options.system, options.messages] },
      { beforeRecord: options.beforeRecord, recordCall: options.recordCall },
    );
  const recordChat = startCall("chat");

  const parts = streamModel({
    model: resolved.model,
    system: options.system,
    messages: options.messages,
    output: objectOutput,
    settings: resolved.settings,
    abortSignal: options.abortSignal,
  });
  let text = "";
  let failure: unknown;
  let finished = false;
  let usage: { inputTokens?: number | undefined; outputTokens?: number | undefined } = {};

  // Pull until the model has said something (or failed, or finished without a word).
  const pull = async (): Promise<boolean> => {
    const { done, value } = await parts.next();
    if (done) {
      finished = true;
      return false;
    }
    if (value.type === "text-delta") text += value.text;
    else if (value.type === "error") failure = value.error;
    else usage = value.usage;
    return value.type === "text-delta";
  };
  while (!failure && !finished && !(await pull())) {}
  if (failure && text === "") {
    await recordChat({ outcome: "provider_error", error: providerFailureReason(failure) });
    throw providerFailure(failure);
  }

  let outcome: Promise<FragmentOutcome> | undefined;
  return {
    async *partials() {
      let lastSent = "";
      let lastAt = 0;
      const emit = async (force: boolean) => {
        if (!force && performance.now() - lastAt < throttleMs) return undefined;
        const { value } = await parsePartialJson(text);
        if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
        const serialised = JSON.stringify(value);
        if (serialised === lastSent) return undefined;
        lastSent = serialised;
        lastAt = performance.now();
        return value as Record<string, unknown>;
      };
      for (;;) {
        const partial = await emit(false);
        if (partial) yield partial;
        if (failure || finished) break;
        await pull();
      }
      const last = await emit(true);
      if (last) yield last;
    },
    async *texts() {
      let sent = 0;
      for (;;) {
        if (text.length > sent) {
          yield text.slice(sent);
          sent = text.length;
        }
        if (failure || finished) break;
        await pull();
      }
    },
    outcome() {
      outcome ??= settle();
      return outcome;
    },
  };

  async function settle(): Promise<FragmentOutcome> {
    while (!failure && !finished) await pull();
    if (failure) {
      const aborted = options.abortSignal?.aborted === true;
      const reason = aborted ? "the request was cancelled" : providerFailureReason(failure);
      const kind = aborted ? "aborted" : "provider_error";
      await recordChat({ outcome: kind, error: reason, usage });
      return { ok: false, reason, outcome: kind };
    }
    const first = validate(text, options.template);
    await recordChat({
      outcome: first.ok ? "ok" : "invalid_output",
      error: first.ok ? undefined : first.reason,
      usage,
    });
    if (first.ok) return first;
    return repair(first.reason);
  }

  /** One more call: the model's own output and what was wrong with it. */
  async function repair(problem: string): Promise<FragmentOutcome> {
    const recordRepair = startCall("chat_repair");
    try {
      const fixed = await generateText({
        model: resolved.model,
        system: options.system,
        messages: [
          ...options.messages,
          { role: "assistant", content: text },
          {
            role: "user",
            content: `Your fragment did not validate: ${problem}. Reply with the whole corrected fragment.`,
          },
        ],
        output: objectOutput,
        maxRetries: 1,
        abortSignal: options.abortSignal,
        ...resolved.settings,
      });
      const second = validate(JSON.stringify(fixed.output), options.template);
      await recordRepair({
        outcome: second.ok ? "ok" : "invalid_output",
        error: second.ok ? undefined : second.reason,
        usage: fixed.usage,
      });
      return second;
    } catch (error) {
      const why = NoObjectGeneratedError.isInstance(error)
        ? "its corrected output did not match the schema either"
        : `the repair failed: ${providerFailureReason(error)}`;
      const reason = `${problem}, and ${why}`;
      await recordRepair({ outcome: "invalid_output", error: reason });
      return { ok: false, reason, outcome: "invalid_output" };
    }
  }
}

/** The model's text as a valid fragment, or what is wrong with it. */
export function validate(text: string, template?: string): FragmentOutcome {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      ok: false,
      reason: "the model's output is not complete JSON",
      outcome: "invalid_output",
    };
  }
  const parsed = fragmentSchema.safeParse(value);
  if (parsed.success && template && parsed.data.template !== template) {
    return {
      ok: false,
      reason: `the model's output uses the template "${parsed.data.template}", not the chosen "${template}"`,
      outcome: "invalid_output",
    };
  }
  if (parsed.success) return { ok: true, fragment: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  return {
    ok: false,
    reason: `the model's output is not a valid fragment (${where}${issue?.message ?? "invalid"})`,
    outcome: "invalid_output",
  };
}
