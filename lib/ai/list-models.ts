import "server-only";
import { sha256 } from "@/lib/auth/crypto";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { readCapped } from "@/lib/read-capped";
import { allowsPrivateAddresses } from "./client-base-url";
import { modelServerUnreachable } from "./model-errors";
import { accessFetch, isClientEndpoint, type ProviderAccess } from "./providers";
import { providerNames } from "./providers-list";
import type { ModelInfo } from "./schemas";

// What each provider offers, asked of the provider itself (its list endpoint) and cached for a
// few minutes per provider, URL and key. A list can come from any server a client named, so
// only what looks like a model id is kept, and only so many: a page that is not a model list
// shows nothing of itself.

export const openAiBaseUrl = "https://api.openai.com/v1";
const ttlMs = 5 * 60_000;
const listTimeoutMs = 5000;
const maxListBytes = 8 * 1024 * 1024;
const maxModels = 1000;
// Ids as providers write them: "gpt-4.1-mini", "llama3.1:8b", "org/model-GGUF/file.gguf".
const modelIdShape = /^[A-Za-z0-9_./:@+-]{1,200}$/;
const cache = new Map<string, { at: number; ids: Promise<{ id: string; name: string }[]> }>();

// OpenAI lists every model it has; these are not chat models.
const notChat =
  /(embed|tts|whisper|transcribe|audio|realtime|image|dall-e|moderation|search|davinci|babbage|computer-use)/;

async function getJson(
  fetcher: typeof fetch,
  url: string,
  headers: Record<string, string>,
): Promise<unknown> {
  const host = new URL(url).host;
  let response: Response;
  try {
    response = await fetcher(url, { headers, signal: AbortSignal.timeout(listTimeoutMs) });
  } catch (error) {
    if ((error as Error)?.name === "TimeoutError") {
      throw new KilnError(
        "GATEWAY_TIMEOUT",
        `The model server ${host} did not list its models within ${listTimeoutMs / 1000} s`,
        { reason: "model_timeout" },
      );
    }
    throw modelServerUnreachable(error, url) ?? error;
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new KilnError("BAD_GATEWAY", `The model server ${host} answered ${response.status}`, {
      reason: "provider_error",
    });
  }
  try {
    const body = await readCapped(response.body, maxListBytes);
    if (!body) throw new Error("too large");
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new KilnError(
      "BAD_GATEWAY",
      `The model server ${host} did not answer with a model list`,
      {
        reason: "provider_error",
      },
    );
  }
}

/** Only entries with a well-formed id, at most `maxModels`, names no longer than an id. */
function wellFormed(models: { id: unknown; name?: unknown }[]): { id: string; name: string }[] {
  return models
    .filter((m): m is { id: string; name?: unknown } => typeof m?.id === "string")
    .filter((m) => modelIdShape.test(m.id))
    .slice(0, maxModels)
    .map((m) => ({
      id: m.id,
      name: typeof m.name === "string" && m.name.trim() ? m.name.slice(0, 200) : m.id,
    }));
}

const listOf = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? value.filter((v) => v && typeof v === "object") : [];

async function fetchIds(
  access: ProviderAccess,
  fetcher: typeof fetch,
): Promise<{ id: string; name: string }[]> {
  const env = getEnv();
  const trim = (u: string) => u.replace(/\/+$/, "");
  switch (access.provider) {
    case "openai":
    case "openai-compatible": {
      const base = access.provider === "openai" ? openAiBaseUrl : trim(access.baseURL ?? "");
      const auth: Record<string, string> = access.apiKey
        ? { authorization: `Bearer ${access.apiKey}` }
        : {};
      const body = (await getJson(fetcher, `${base}/models`, auth)) as { data?: unknown };
      return wellFormed(listOf(body?.data).map((m) => ({ id: m.id })))
        .filter(
          ({ id }) =>
            access.provider !== "openai" || (/^(gpt-|o\d|chatgpt)/.test(id) && !notChat.test(id)),
        )
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    case "anthropic": {
      const body = (await getJson(fetcher, `${trim(env.ANTHROPIC_BASE_URL)}/models?limit=100`, {
        "x-api-key": access.apiKey ?? "",
        "anthropic-version": "2023-06-01",
      })) as { data?: unknown };
      return wellFormed(listOf(body?.data).map((m) => ({ id: m.id, name: m.display_name })));
    }
    case "google": {
      const body = (await getJson(
        fetcher,
        `${trim(env.GOOGLE_GENERATIVE_AI_BASE_URL)}/models?pageSize=200`,
        { "x-goog-api-key": access.apiKey ?? "" },
      )) as { models?: unknown };
      return wellFormed(
        listOf(body?.models)
          .filter(
            (m) =>
              Array.isArray(m.supportedGenerationMethods) &&
              m.supportedGenerationMethods.includes("generateContent"),
          )
          .map((m) => ({
            id: typeof m.name === "string" ? m.name.replace(/^models\//, "") : undefined,
            name: m.displayName,
          })),
      );
    }
  }
}

/** The models one provider access offers. A provider that cannot be listed throws a KilnError. */
export async function listModelsFor(
  access: ProviderAccess,
  client: { isAdmin: boolean } = { isAdmin: false },
): Promise<ModelInfo[]> {
  const fetcher = accessFetch(access, client);
  const cacheKey = [
    access.provider,
    access.baseURL ?? "",
    sha256(access.apiKey ?? ""),
    // A list fetched where private addresses were allowed is not one for a caller they are not.
    isClientEndpoint(access) && allowsPrivateAddresses(client),
  ].join("|");
  let entry = cache.get(cacheKey);
  if (!entry || Date.now() - entry.at > ttlMs) {
    entry = { at: Date.now(), ids: fetchIds(access, fetcher) };
    cache.set(cacheKey, entry);
    entry.ids.catch(() => cache.delete(cacheKey));
  }
  return (await entry.ids).map(({ id, name }) => ({
    id,
    name,
    provider: access.provider,
    providerName: providerNames[access.provider].full,
    structuredOutput: true,
    keySource: access.keySource,
  }));
}
