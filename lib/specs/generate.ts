import "server-only";
import {
  generateText,
  type LanguageModel,
  type ModelMessage,
  NoObjectGeneratedError,
  Output,
} from "ai";
import type { z } from "zod";
import { type LlmCallRecord, type LlmReply, promptHash, startLlmCall } from "@/lib/ai/llm-calls";
import { providerFailure, providerFailureReason } from "@/lib/ai/model-errors";
import { recordedReplyModel } from "@/lib/ai/recorded-reply-model";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { KilnError } from "@/lib/errors";

// A structured answer from the model that Kiln checks before using: the schema first (the
// SDK's structured output), then the caller's own rules. What fails goes back to the model
// with the problems named, up to `attempts` calls in all; after that the request fails with
// the reason (502) and nothing has been stored. Every call is recorded with its purpose, its
// attempt and the answer's text; a replay answers calls from such records instead of the model.

export const defaultAttempts = 3;

export type GenerateProgress =
  | { step: "asking"; purpose: string; attempt: number; attempts: number }
  | { step: "rejected"; purpose: string; attempt: number; problems: string[] };

export async function generateChecked<S extends z.ZodType, R>(options: {
  resolved: ResolvedModel;
  userId: string;
  purpose: string;
  system: string;
  prompt: string;
  schema: S;
  /** The value as the caller needs it, or the problems to send back. */
  check: (value: z.output<S>) => { ok: true; value: R } | { ok: false; problems: string[] };
  attempts?: number;
  signal?: AbortSignal | undefined;
  /** Where calls are recorded; llm_calls unless a test says otherwise. */
  recordCall?: ((call: LlmCallRecord) => Promise<void>) | undefined;
  /** Told when each call starts, and what was wrong with an answer that goes back. */
  onProgress?: ((progress: GenerateProgress) => void) | undefined;
  /**
   * A recorded answer for the call, which then goes through the same parsing and checks as the
   * model's own would, with no call to the model; undefined asks the model.
   */
  answer?:
    | ((call: {
        purpose: string;
        attempt: number;
        promptHash: string;
      }) => Promise<LlmReply | undefined>)
    | undefined;
}): Promise<R> {
  const { resolved } = options;
  const attempts = options.attempts ?? defaultAttempts;
  const messages: ModelMessage[] = [{ role: "user", content: options.prompt }];
  let problems: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    options.onProgress?.({ step: "asking", purpose: options.purpose, attempt, attempts });
    const purpose = attempt === 1 ? options.purpose : `${options.purpose}_retry`;
    const prompt = [options.system, messages];
    const recorded = await options.answer?.({ purpose, attempt, promptHash: promptHash(prompt) });
    const model: LanguageModel =
      recorded === undefined ? resolved.model : recordedReplyModel(recorded, resolved);
    const record = startLlmCall(
      { userId: options.userId, purpose, attempt, model: resolved, prompt },
      { recordCall: options.recordCall },
    );
    let output: z.output<S> | undefined;
    let text = "";
    try {
      const result = await generateText({
        model,
        system: options.system,
        messages,
        output: Output.object({ schema: options.schema }),
        maxRetries: 1,
        abortSignal: options.signal,
        ...resolved.settings,
      });
      output = result.output as z.output<S>;
      text = result.text;
      const checked = options.check(output);
      if (checked.ok) {
        await record({ outcome: "ok", usage: result.usage, reply: { text, output } });
        return checked.value;
      }
      problems = checked.problems;
      await record({
        outcome: "invalid_output",
        error: problems.join("; "),
        usage: result.usage,
        reply: { text, output },
      });
    } catch (error) {
      if (!NoObjectGeneratedError.isInstance(error)) {
        await record({ outcome: "provider_error", error: providerFailureReason(error) });
        throw providerFailure(error);
      }
      // Not JSON, or not the schema's shape: as much a problem to send back as a broken rule.
      text = error.text ?? "";
      problems = [schemaProblem(error)];
      await record({ outcome: "invalid_output", error: problems[0], reply: { text } });
    }
    options.onProgress?.({
      step: "rejected",
      purpose: options.purpose,
      attempt,
      problems: problems.slice(0, 20),
    });
    messages.push(
      { role: "assistant", content: text || JSON.stringify(output ?? null) },
      {
        role: "user",
        content: `That answer cannot be used:\n${problems.map((p) => `- ${p}`).join("\n")}\nReply with the whole corrected answer.`,
      },
    );
  }
  throw new KilnError(
    "BAD_GATEWAY",
    `The model's answer did not pass Kiln's checks after ${attempts} attempts: ${clip(problems.join("; "))}`,
    { reason: "invalid_output", details: { problems: problems.slice(0, 20) } },
  );
}

function schemaProblem(error: NoObjectGeneratedError): string {
  const cause = error.cause as { issues?: { path: PropertyKey[]; message: string }[] } | undefined;
  const issue = cause?.issues?.[0];
  if (issue) {
    const where = issue.path.length ? `${issue.path.map(String).join(".")}: ` : "";
    return `the answer does not match the required JSON schema (${where}${issue.message})`;
  }
  return "the answer is not JSON in the required schema";
}

const clip = (text: string) => (text.length > 600 ? `${text.slice(0, 597)}…` : text);
