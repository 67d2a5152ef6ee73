import "server-only";
import type { LanguageModel } from "ai";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { assertClientBaseUrl } from "./client-base-url";
import { userProviders } from "./credentials";
import { listModelsFor } from "./list-models";
import { languageModel, type ProviderAccess, type ProviderId, serverProviders } from "./providers";
import type { KeySource, ModelConfig, ModelSelection } from "./schemas";

export interface ResolvedModel {
  model: LanguageModel;
  provider: ProviderId;
  modelId: string;
  keySource: KeySource;
  /**
   * The call reaches an endpoint the server configured or carries a key the server holds: what
   * the LLM rate limit protects, whatever key the request brought. Only the client's own key to
   * an endpoint the client chose (a base URL, or a vendor's public API that checks the key and
   * bills its owner) is free of it.
   */
  isServerCall: boolean;
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

// What clients written for other builders call providers (e2b's fragments among them), and
// which of Kiln's providers can serve each, best first. "openai" means the server's OpenAI
// settings whichever wire API they use: OPENAI_BASE_URL makes them openai-compatible.
const openAiLike: ProviderId[] = ["openai", "openai-compatible"];
const compatible: ProviderId[] = ["openai-compatible"];
const providerAliases: Record<string, ProviderId[]> = {
  openai: openAiLike,
  azure: openAiLike,
  azureopenai: openAiLike,
  openaicompatible: compatible,
  anthropic: ["anthropic"],
  google: ["google"],
  googlegenerativeai: ["google"],
  gemini: ["google"],
  vertex: ["google"],
  vertexai: ["google"],
  googlevertex: ["google"],
  googlevertexai: ["google"],
  // Servers that speak OpenAI's protocol go by many names.
  ollama: compatible,
  lmstudio: compatible,
  vllm: compatible,
  openrouter: compatible,
  custom: compatible,
  mistral: compatible,
  groq: compatible,
  fireworks: compatible,
  togetherai: compatible,
  together: compatible,
  deepseek: compatible,
  xai: compatible,
  vercel: compatible,
  perplexity: compatible,
};

interface Requested {
  /** As the client spelled it, for messages. */
  name: string;
  /** Kiln's providers that can serve it, best first. */
  fits: ProviderId[];
}

function requestedProvider(
  selection: ModelSelection | undefined,
  configured: Configured[],
): Requested | undefined {
  const name = (selection?.providerId ?? selection?.provider)?.trim();
  if (!name) return undefined;
  const fits = providerAliases[name.toLowerCase().replace(/[^a-z0-9]/g, "")];
  if (!fits) {
    throw new KilnError(
      "VALIDATION_ERROR",
      `model.providerId: unknown provider "${name}"; configured here: ${configuredNames(configured)}`,
    );
  }
  return { name, fits };
}

/** A provider the caller may use, and whether its endpoint is one the server configured. */
interface Configured {
  access: ProviderAccess;
  isServerEndpoint: boolean;
}

/** Whether a provider without a base URL of its own is spoken to at an endpoint the server set. */
function isServerEndpointOf(provider: ProviderId): boolean {
  const env = getEnv();
  switch (provider) {
    case "openai":
      return false;
    case "anthropic":
      return new URL(env.ANTHROPIC_BASE_URL).hostname !== "api.anthropic.com";
    case "google":
      return (
        new URL(env.GOOGLE_GENERATIVE_AI_BASE_URL).hostname !== "generativelanguage.googleapis.com"
      );
    case "openai-compatible":
      return true;
  }
}

/** Whether a base URL points at an endpoint the server configured, whoever names it. */
function isServerUrl(url: string): boolean {
  const env = getEnv();
  const servers = [
    env.OPENAI_BASE_URL,
    isServerEndpointOf("anthropic") ? env.ANTHROPIC_BASE_URL : undefined,
    isServerEndpointOf("google") ? env.GOOGLE_GENERATIVE_AI_BASE_URL : undefined,
  ];
  const origin = URL.parse(url)?.origin;
  return servers.some((server) => server && URL.parse(server)?.origin === origin);
}

async function configuredFor(userId: string): Promise<Configured[]> {
  const own = (await userProviders(userId)).map((access) => ({
    access,
    // Without a base URL of the user's, the provider's usual endpoint is used.
    isServerEndpoint: access.baseURL
      ? isServerUrl(access.baseURL)
      : isServerEndpointOf(access.provider),
  }));
  const server = serverProviders().map((access) => ({ access, isServerEndpoint: true }));
  return [...own, ...server];
}

function configuredNames(configured: Configured[]): string {
  const names = configured.map(
    ({ access }) => `${access.provider} (${access.keySource === "user" ? "yours" : "server's"})`,
  );
  return names.length > 0 ? [...new Set(names)].join(", ") : "none";
}

/**
 * Which model a chat request runs on, and with whose key. The rule that matters: a key the
 * server holds (its environment, or a user's stored key) is never sent to a base URL that the
 * client supplied; such a URL only ever gets the key that came with the same request.
 */
export async function resolveModel(
  user: { id: string; isAdmin: boolean },
  request: { model?: ModelSelection; config?: ModelConfig },
  options: {
    /** Awaited before anything is sent to an endpoint or with a key of the server's. */
    beforeServerCall?: () => Promise<void>;
  } = {},
): Promise<ResolvedModel> {
  const { config } = request;
  // The user's providers are cached briefly, so this costs no query on most requests.
  const configured = await configuredFor(user.id);
  const wanted = requestedProvider(request.model, configured);
  let access: ProviderAccess;
  let isServerEndpoint: boolean;

  if (config?.baseURL) {
    await assertClientBaseUrl(config.baseURL, user);
    access = {
      provider: "openai-compatible",
      apiKey: config.apiKey,
      baseURL: config.baseURL,
      keySource: config.apiKey ? "request" : "none",
    };
    isServerEndpoint = isServerUrl(config.baseURL);
  } else {
    const known = wanted
      ? wanted.fits.flatMap((p) => configured.filter((c) => c.access.provider === p))[0]
      : configured[0];
    if (config?.apiKey) {
      // The request's own key, to where the server's settings for that provider point.
      const provider = known?.access.provider ?? wanted?.fits[0] ?? "openai";
      if (provider === "openai-compatible" && !known) {
        throw new KilnError(
          "VALIDATION_ERROR",
          `config.baseURL: required for ${wanted?.name ?? provider}: no OpenAI-compatible server is configured`,
        );
      }
      access = {
        provider,
        apiKey: config.apiKey,
        baseURL: known?.access.baseURL,
        keySource: "request",
      };
      isServerEndpoint = known?.isServerEndpoint ?? isServerEndpointOf(provider);
    } else if (known) {
      access = known.access;
      isServerEndpoint = known.isServerEndpoint;
    } else if (wanted && configured.length > 0) {
      throw new KilnError(
        "VALIDATION_ERROR",
        `model.providerId: no configured provider serves "${wanted.name}"; configured here: ${configuredNames(configured)}`,
      );
    } else {
      throw notConfigured(wanted ? `The provider "${wanted.name}" is not configured` : undefined);
    }
  }

  const isServerCall = isServerEndpoint || access.keySource === "server";
  // Even listing the server's models to find a default is a call the limit counts.
  if (isServerCall) await options.beforeServerCall?.();

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
    isServerCall,
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
