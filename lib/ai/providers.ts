import "server-only";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { createOpenAI } from "@ai-sdk/openai";
import type { LanguageModel } from "ai";
import { getEnv } from "@/lib/env";

import { type ProviderId, providerIds } from "./providers-list";

export { type ProviderId, providerIds };

export const providerNames: Record<ProviderId, string> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  google: "Google",
  "openai-compatible": "OpenAI-compatible server",
};

/** Where a key came from. Only "server" keys count against the LLM rate-limit group. */
export type KeySource = "server" | "user" | "request" | "none";

export interface ProviderAccess {
  provider: ProviderId;
  apiKey: string | undefined;
  /** Set for openai-compatible servers; the others use their configured endpoints. */
  baseURL: string | undefined;
  keySource: KeySource;
}

/**
 * The AI SDK model for an access. OpenAI itself is spoken to over the Responses API; any other
 * OpenAI-compatible server over Chat Completions, which is what they implement.
 */
export function languageModel(access: ProviderAccess, modelId: string): LanguageModel {
  const env = getEnv();
  switch (access.provider) {
    case "openai":
      return createOpenAI({ apiKey: access.apiKey ?? "" })(modelId);
    case "openai-compatible":
      return createOpenAI({
        apiKey: access.apiKey ?? "not-needed",
        baseURL: access.baseURL,
        name: "openai-compatible",
      }).chat(modelId);
    case "anthropic":
      return createAnthropic({ apiKey: access.apiKey, baseURL: env.ANTHROPIC_BASE_URL })(modelId);
    case "google":
      return createGoogleGenerativeAI({
        apiKey: access.apiKey,
        baseURL: env.GOOGLE_GENERATIVE_AI_BASE_URL,
      })(modelId);
  }
}

/** The server's own providers, from the environment. */
export function serverProviders(): ProviderAccess[] {
  const env = getEnv();
  const out: ProviderAccess[] = [];
  const server = (provider: ProviderId, apiKey?: string, baseURL?: string): ProviderAccess => ({
    provider,
    apiKey,
    baseURL,
    keySource: apiKey ? "server" : "none",
  });
  if (env.OPENAI_BASE_URL)
    out.push(server("openai-compatible", env.OPENAI_API_KEY, env.OPENAI_BASE_URL));
  else if (env.OPENAI_API_KEY) out.push(server("openai", env.OPENAI_API_KEY));
  if (env.ANTHROPIC_API_KEY) out.push(server("anthropic", env.ANTHROPIC_API_KEY));
  if (env.GOOGLE_GENERATIVE_AI_API_KEY)
    out.push(server("google", env.GOOGLE_GENERATIVE_AI_API_KEY));
  return out;
}
