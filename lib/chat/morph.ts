import "server-only";
import { generateText, type ModelMessage, Output } from "ai";
import { startLlmCall } from "@/lib/ai/llm-calls";
import { providerFailure, providerFailureReason } from "@/lib/ai/model-errors";
import type { ResolvedModel } from "@/lib/ai/resolve-model";
import { KilnError } from "@/lib/errors";
import {
  applyEdits,
  editFailuresMessage,
  type FragmentEdits,
  fragmentEditsSchema,
} from "@/lib/fragments/edits";
import { fragmentFiles } from "@/lib/fragments/files";
import type { Fragment } from "@/lib/fragments/schema";
import { log } from "@/lib/log";
import { getTemplate } from "@/lib/templates/templates";
import { morphApplyEnabled, morphUpdatesPrompt, morphWithApplyModel } from "./morph-apply";

// Morph: change an existing fragment from an instruction. The model answers with search/replace
// edits rather than the whole app again; Kiln applies and checks them. Edits that do not apply
// go back to the model once, with what was wrong; if they still do not apply the caller hears
// why. Nothing is ever dropped silently.

const editsInstruction =
  "Answer with edits: each names a file, the exact text to replace (`search`, copied character for character from the current file, long enough to occur once) and its replacement. To create a file, leave `search` empty and put the whole file in `replace`.";

function systemPrompt(fragment: Fragment, style: "edits" | "updates"): string {
  const template = getTemplate(fragment.template);
  const files = fragmentFiles(fragment)
    .map((f) => `--- ${f.file_path}\n${f.code}`)
    .join("\n\n");
  return [
    "You are Kiln's app builder. You change an existing app (a fragment) as the user asks, with targeted edits.",
    style === "edits" ? editsInstruction : morphUpdatesPrompt,
    "Change only what the request needs. Keep the template, the entry file and the port. Never put secrets in code.",
    "In `commentary`, tell the user briefly what you changed.",
    template
      ? `The app runs on the ${template.id} template (${template.name}); its port is ${template.port ?? "none"}.`
      : "",
    "",
    "# The current files",
    files,
  ].join("\n");
}

export async function morphFragment(options: {
  userId: string;
  chatId?: string | null;
  fragment: Fragment;
  messages: ModelMessage[];
  resolved: ResolvedModel;
  signal?: AbortSignal;
}): Promise<Fragment> {
  const { resolved, fragment } = options;
  const system = systemPrompt(fragment, "edits");
  if (morphApplyEnabled()) {
    const merged = await morphWithApplyModel({
      ...options,
      system: systemPrompt(fragment, "updates"),
    });
    if (merged.ok) return merged.fragment;
    // Morph is a help, not a dependency: Kiln's own edits still do the job.
    log.warn("morph.apply_failed", { reason: merged.reason });
  }
  const call = async (purpose: string, messages: ModelMessage[]): Promise<FragmentEdits> => {
    const record = startLlmCall({
      userId: options.userId,
      chatId: options.chatId,
      purpose,
      model: resolved,
      prompt: [system, messages],
    });
    try {
      const result = await generateText({
        model: resolved.model,
        system,
        messages,
        output: Output.object({ schema: fragmentEditsSchema }),
        maxRetries: 1,
        abortSignal: options.signal,
        ...resolved.settings,
      });
      await record({ outcome: "ok", usage: result.usage });
      return result.output;
    } catch (error) {
      await record({ outcome: "provider_error", error: providerFailureReason(error) });
      throw providerFailure(error);
    }
  };

  const first = await call("morph", options.messages);
  const applied = applyEdits(fragment, first);
  if (applied.ok) return applied.fragment;

  const problems = editFailuresMessage(applied.failures);
  const second = await call("morph_retry", [
    ...options.messages,
    { role: "assistant", content: JSON.stringify(first) },
    { role: "user", content: problems },
  ]);
  const retried = applyEdits(fragment, second);
  if (retried.ok) return retried.fragment;
  const firstFailure = retried.failures[0]?.message ?? "unknown";
  throw new KilnError(
    "BAD_GATEWAY",
    `The model's edits did not apply, even after a retry: ${firstFailure}${retried.failures.length > 1 ? ` (and ${retried.failures.length - 1} more)` : ""}`,
    {
      reason: "edits_failed",
      details: { failures: retried.failures.slice(0, 10) },
    },
  );
}
