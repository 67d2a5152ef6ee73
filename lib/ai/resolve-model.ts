import "server-only";
import type { LanguageModel } from "ai";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { assertClientBaseUrl } from "./client-base-url";
import { userProviders } from "./credentials";
import { listModelsFor } from "./list-models";
import {
  type KeySource,
  languageModel,
  type ProviderAccess,
  type ProviderId,
  providerIds,
  serverProviders,
} from "./providers";
import type { ModelConfig, ModelSelection } from "./schemas";

export interface ResolvedModel {
  model: LanguageModel;
  provider: ProviderId;
  modelId: string;
  keySource: KeySource;
  settings: {
    temperature?: number;
    topP?: number;
    topK?: number;
    frequencyPenalty?: number;
    presencePenalty?: number;
    maxOutputTokens?: number;
  };
}

const defaults: Partial<Record<ProviderId, string>> = {
  openai: "gpt-4.1-mini",
  anthropic: "claude-sonnet-4-5",
  google: "gemini-2.5-flash",
};

export function notConfigured(message = "No model is configured on this server"): KilnError {
  return new KilnError(
    "SERVICE_UNAVAILABLE",
    `${message}. Add a provider key in Settings, or set OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY or GOOGLE_GENERATIVE_AI_API_KEY.`,
    { reason: "model_not_configured" },
  );
}

function providerOf(selection: ModelSelection | undefined): ProviderId | undefined {
  const named = (selection?.providerId ?? selection?.provider)?.toLowerCase();
  if (!named) return undefined;
  if ((providerIds as readonly string[]).includes(named)) return named as ProviderId;
  // Servers that speak OpenAI's protocol go by many names.
  if (["ollama", "lmstudio", "vllm", "openrouter", "custom"].includes(named))
    return "openai-compatible";
  throw new KilnError("VALIDATION_ERROR", `model.providerId: unknown provider "${named}"`);
}

/**
 * Which model a chat request runs on, and with whose key. The rule that matters: a key the
 * server holds (its environment, or a user's stored key) is never sent to a base URL that the
 * client supplied; such a URL only ever gets the key that came with the same request.
 */
export async function resolveModel(
  user: { id: string; isAdmin: boolean },
  request: { model?: ModelSelection; config?: ModelConfig },
): Promise<ResolvedModel> {
  const userId = user.id;
  const { config } = request;
  const wanted = providerOf(request.model);
  let access: ProviderAccess | undefined;

  if (config?.baseURL) {
    await assertClientBaseUrl(config.baseURL, user);
    access = {
      provider: "openai-compatible",
      apiKey: config.apiKey,
      baseURL: config.baseURL,
      keySource: config.apiKey ? "request" : "none",
    };
  } else {
    const configured = [...(await userProviders(userId)), ...serverProviders()];
    const provider = wanted ?? configured[0]?.provider ?? (config?.apiKey ? "openai" : undefined);
    const known = configured.find((a) => a.provider === provider);
    if (config?.apiKey && provider) {
      // The request's own key, to the provider's configured endpoint.
      access = { provider, apiKey: config.apiKey, baseURL: known?.baseURL, keySource: "request" };
      if (provider === "openai-compatible" && !access.baseURL) {
        throw new KilnError("VALIDATION_ERROR", "config.baseURL: required for openai-compatible");
      }
    } else {
      access = known;
    }
    if (!access) {
      throw notConfigured(wanted ? `The provider "${wanted}" is not configured` : undefined);
    }
  }

  // KILN_DEFAULT_MODEL names a model of the server's first provider; others get their own.
  const envDefault =
    (access.keySource === "server" || access.keySource === "none") &&
    !config?.baseURL &&
    access.provider === serverProviders()[0]?.provider
      ? getEnv().KILN_DEFAULT_MODEL
      : undefined;
  const modelId =
    config?.model ?? request.model?.id ?? envDefault ?? (await defaultModel(access, user));
  return {
    model: languageModel(access, modelId, user),
    provider: access.provider,
    modelId,
    keySource: access.keySource,
    settings: {
      temperature: config?.temperature,
      topP: config?.topP,
      topK: config?.topK,
      frequencyPenalty: config?.frequencyPenalty,
      presencePenalty: config?.presencePenalty,
      maxOutputTokens: config?.maxTokens,
    },
  };
}

async function defaultModel(access: ProviderAccess, user: { isAdmin: boolean }): Promise<string> {
  const known = defaults[access.provider];
  if (known) return known;
  // An OpenAI-compatible server: whatever it serves first. One that cannot be asked is a 502 (or
  // 504) naming it, not "no model configured".
  const models = await listModelsFor(access, user);
  const first = models[0]?.id;
  if (!first) throw notConfigured("The model server lists no models; name one in the request");
  return first;
}
