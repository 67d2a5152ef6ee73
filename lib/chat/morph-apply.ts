import "server-only";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, type ModelMessage, Output } from "ai";
import { z } from "zod";
import { type LlmCallStart, startLlmCall } from "@/lib/ai/llm-calls";
import { providerFailureReason } from "@/lib/ai/model-errors";
import { withModelTimeouts } from "@/lib/ai/model-fetch";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { getEnv } from "@/lib/env";
import { rebuildFragment } from "@/lib/fragments/edits";
import { fragmentFiles } from "@/lib/fragments/files";
import { type Fragment, filePathProblem } from "@/lib/fragments/schema";

// Edits merged by Morph's apply model (when MORPH_API_KEY is set). The editing model writes,
// per file, only what changes with "// ... existing code ..." for the rest; Morph merges each
// update into the file. Anything that goes wrong here returns a reason, and the caller falls
// back to Kiln's own search/replace edits. Morph's key goes only to MORPH_BASE_URL.

export const fragmentUpdatesSchema = z.object({
  commentary: z.string().describe("A short explanation for the user of what you changed."),
  files: z
    .array(
      z.object({
        file_path: z.string().describe("Relative path of the file to change or create."),
        update: z
          .string()
          .describe(
            'The changed parts of the file, with a comment such as "// ... existing code ..." in place of every unchanged part; the whole content for a new file.',
          ),
      }),
    )
    .describe("Only the files that change."),
  title: z.string().nullable().describe("A new title, or null to keep the current one."),
  description: z.string().nullable().describe("A new description, or null to keep it."),
  additional_dependencies: z
    .array(z.string())
    .nullable()
    .describe("The complete new list of additional dependencies, or null to keep it."),
});

export const morphUpdatesPrompt =
  'Answer with updates: for each file that changes, its path and an update holding only the changed parts, with a comment like "// ... existing code ..." (or the comment syntax of the file\'s language) standing for each unchanged part. For a new file, give its whole content.';

type Outcome = { ok: true; fragment: Fragment } | { ok: false; reason: string };

export function morphApplyEnabled(): boolean {
  return Boolean(getEnv().MORPH_API_KEY);
}

export async function morphWithApplyModel(options: {
  userId: string;
  chatId?: string | null;
  fragment: Fragment;
  system: string;
  messages: ModelMessage[];
  resolved: ResolvedModel;
  signal?: AbortSignal;
}): Promise<Outcome> {
  const env = getEnv();
  const { resolved, fragment } = options;
  const startCall = (call: Omit<LlmCallStart, "userId" | "chatId">) =>
    startLlmCall({ userId: options.userId, chatId: options.chatId, ...call });

  const recordEdits = startCall({
    purpose: "morph",
    model: resolved,
    prompt: [options.system, options.messages],
  });
  let updates: z.infer<typeof fragmentUpdatesSchema>;
  try {
    const result = await generateText({
      model: resolved.model,
      system: options.system,
      messages: options.messages,
      output: Output.object({ schema: fragmentUpdatesSchema }),
      maxRetries: 1,
      abortSignal: options.signal,
      ...resolved.settings,
    });
    updates = result.output;
    await recordEdits({ outcome: "ok", usage: result.usage });
  } catch (error) {
    return { ok: false, reason: `the editing model failed: ${providerFailureReason(error)}` };
  }

  const morph = createOpenAI({
    apiKey: env.MORPH_API_KEY,
    baseURL: env.MORPH_BASE_URL,
    name: "morph",
    fetch: withModelTimeouts(globalThis.fetch),
  });
  const files = new Map(fragmentFiles(fragment).map((f) => [f.file_path, f.code]));
  const instruction = String(options.messages.at(-1)?.content ?? "");
  for (const change of updates.files) {
    const problem = filePathProblem(change.file_path);
    if (problem) return { ok: false, reason: `file_path "${change.file_path}" ${problem}` };
    const current = files.get(change.file_path);
    if (current === undefined) {
      files.set(change.file_path, change.update);
      continue;
    }
    const prompt = `<instruction>${instruction}</instruction>\n<code>${current}</code>\n<update>${change.update}</update>`;
    const recordMerge = startCall({
      purpose: "morph_apply",
      model: { provider: "morph", modelId: env.MORPH_MODEL, keySource: "server" },
      prompt,
    });
    try {
      const merged = await generateText({
        model: morph.chat(env.MORPH_MODEL),
        messages: [{ role: "user", content: prompt }],
        maxRetries: 1,
        abortSignal: options.signal,
      });
      files.set(change.file_path, stripFence(merged.text));
      await recordMerge({ outcome: "ok", usage: merged.usage });
    } catch (error) {
      const reason = providerFailureReason(error);
      await recordMerge({ outcome: "provider_error", error: reason });
      return { ok: false, reason: `Morph could not merge ${change.file_path}: ${reason}` };
    }
  }

  const { parsed } = rebuildFragment(fragment, files, updates);
  if (parsed.success) return { ok: true, fragment: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    reason: `the merged fragment is invalid: ${issue?.path.join(".")}: ${issue?.message}`,
  };
}

/** Apply models sometimes wrap the file in a Markdown fence; the file is what is inside. */
function stripFence(text: string): string {
  const fenced = /^```[\w-]*\n([\s\S]*?)\n```\s*$/.exec(text.trim());
  return fenced?.[1] !== undefined ? `${fenced[1]}\n` : text;
}
