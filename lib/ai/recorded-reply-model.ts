import "server-only";
import type { LanguageModelV4, LanguageModelV4GenerateResult } from "@ai-sdk/provider";
import type { LlmReply } from "./llm-calls";

// A model that answers one call with an answer recorded earlier: how a replay puts a recorded
// answer through the same parsing and checks as the model's own answer went, with no network
// and no tokens. The text is what the model wrote; the structured output (when the answer
// parsed) is what was parsed, which a provider may have taken from part of the text only.

export function recordedReplyModel(
  reply: LlmReply,
  model: { provider: string; modelId: string },
): LanguageModelV4 {
  const answer = (): LanguageModelV4GenerateResult => ({
    content: [{ type: "text", text: reply.text }],
    ...(reply.output === undefined ? {} : { structuredOutputText: JSON.stringify(reply.output) }),
    finishReason: { unified: "stop", raw: "stop" },
    usage: {
      inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 0, text: 0, reasoning: 0 },
    },
    warnings: [],
  });
  return {
    specificationVersion: "v4",
    provider: `${model.provider}.recorded`,
    modelId: model.modelId,
    supportedUrls: {},
    async doGenerate(options) {
      options.abortSignal?.throwIfAborted();
      return answer();
    },
    async doStream(options) {
      options.abortSignal?.throwIfAborted();
      const { finishReason, usage } = answer();
      return {
        stream: new ReadableStream({
          start(controller) {
            controller.enqueue({ type: "stream-start", warnings: [] });
            controller.enqueue({ type: "text-start", id: "0" });
            controller.enqueue({ type: "text-delta", id: "0", delta: reply.text });
            controller.enqueue({ type: "text-end", id: "0" });
            controller.enqueue({ type: "finish", finishReason, usage });
            controller.close();
          },
        }),
      };
    },
  };
}
