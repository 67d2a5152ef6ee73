import "server-only";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { createOpenAI } from "@ai-sdk/openai";
import type { LanguageModel } from "ai";
import { getEnv } from "@/lib/env";
import { allowsPrivateAddresses } from "./client-base-url";
import { clientFetch } from "./guarded-fetch";
import { withModelTimeouts } from "./model-fetch";
import { withOpaqueErrors } from "./opaque-errors";
import { type ProviderId, providerIds } from "./providers-list";
import type { KeySource } from "./schemas";

export { type ProviderId, providerIds };

export interface ProviderAccess {
  provider: ProviderId;
  apiKey: string | undefined;
  /** Set for openai-compatible servers; the others use their configured endpoints. */
  baseURL: string | undefined;
  keySource: KeySource;
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, "") === b.replace(/\/+$/, "");

/**
 * Whether the access's endpoint is one a client chose rather than the server's configuration: a
 * base URL from a chat request or a user's Settings, unless it is the server's own.
 */
export function isClientEndpoint(access: ProviderAccess): boolean {
  if (access.provider !== "openai-compatible" || !access.baseURL) return false;
  const server = getEnv().OPENAI_BASE_URL;
  return !server || !sameUrl(access.baseURL, server);
}

/**
 * The fetch for calls under this access: a client's endpoint gets the guarded one (public
 * addresses unless the caller may reach private ones, no redirects).
 */
export function accessFetch(access: ProviderAccess, client: { isAdmin: boolean }): typeof fetch {
  return isClientEndpoint(access)
    ? clientFetch({ allowPrivate: allowsPrivateAddresses(client) })
    : globalThis.fetch;
}

/**
 * The AI SDK model for an access. OpenAI itself is spoken to over the Responses API; any other
 * OpenAI-compatible server over Chat Completions, which is what they implement. Every call has
 * the model timeouts; a client's endpoint also gets opaque errors.
 */
export function languageModel(
  access: ProviderAccess,
  modelId: string,
  client: { isAdmin: boolean } = { isAdmin: false },
): LanguageModel {
  const env = getEnv();
  const fetch = withModelTimeouts(accessFetch(access, client));
  switch (access.provider) {
    case "openai":
      return createOpenAI({ apiKey: access.apiKey ?? "", fetch })(modelId);
    case "openai-compatible": {
      const model = createOpenAI({
        apiKey: access.apiKey ?? "not-needed",
        baseURL: access.baseURL,
        name: "openai-compatible",
        fetch,
      }).chat(modelId);
      return isClientEndpoint(access) ? withOpaqueErrors(model, access.baseURL ?? "") : model;
    }
    case "anthropic":
      return createAnthropic({
        apiKey: access.apiKey,
        baseURL: env.ANTHROPIC_BASE_URL,
        fetch,
      })(modelId);
    case "google":
      return createGoogleGenerativeAI({
        apiKey: access.apiKey,
        baseURL: env.GOOGLE_GENERATIVE_AI_BASE_URL,
        fetch,
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
