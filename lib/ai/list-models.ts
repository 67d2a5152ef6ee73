import "server-only";
import { sha256 } from "@/lib/auth/crypto";
import { getEnv } from "@/lib/env";
import { type ProviderAccess, type ProviderId, providerNames } from "./providers";

// What each provider offers, asked of the provider itself (its list endpoint) and cached for a
// few minutes per provider, URL and key.

export interface ModelInfo {
  id: string;
  name: string;
  provider: ProviderId;
  providerName: string;
  structuredOutput: boolean;
  keySource: ProviderAccess["keySource"];
}

export const openAiBaseUrl = "https://api.openai.com/v1";
const ttlMs = 5 * 60_000;
const cache = new Map<string, { at: number; ids: Promise<{ id: string; name: string }[]> }>();

// OpenAI lists every model it has; these are not chat models.
const notChat =
  /(embed|tts|whisper|transcribe|audio|realtime|image|dall-e|moderation|search|davinci|babbage|computer-use)/;

async function getJson(url: string, headers: Record<string, string>): Promise<unknown> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`${url.split("?")[0]} answered ${response.status}`);
  return response.json();
}

async function fetchIds(access: ProviderAccess): Promise<{ id: string; name: string }[]> {
  const env = getEnv();
  const trim = (u: string) => u.replace(/\/+$/, "");
  switch (access.provider) {
    case "openai":
    case "openai-compatible": {
      const base = access.provider === "openai" ? openAiBaseUrl : trim(access.baseURL ?? "");
      const auth: Record<string, string> = access.apiKey
        ? { authorization: `Bearer ${access.apiKey}` }
        : {};
      const body = (await getJson(`${base}/models`, auth)) as { data?: { id: string }[] };
      return (body.data ?? [])
        .map((m) => m.id)
        .filter(
          (id) =>
            access.provider !== "openai" || (/^(gpt-|o\d|chatgpt)/.test(id) && !notChat.test(id)),
        )
        .sort()
        .map((id) => ({ id, name: id }));
    }
    case "anthropic": {
      const body = (await getJson(`${trim(env.ANTHROPIC_BASE_URL)}/models?limit=100`, {
        "x-api-key": access.apiKey ?? "",
        "anthropic-version": "2023-06-01",
      })) as { data?: { id: string; display_name?: string }[] };
      return (body.data ?? []).map((m) => ({ id: m.id, name: m.display_name ?? m.id }));
    }
    case "google": {
      const body = (await getJson(
        `${trim(env.GOOGLE_GENERATIVE_AI_BASE_URL)}/models?pageSize=200`,
        {
          "x-goog-api-key": access.apiKey ?? "",
        },
      )) as {
        models?: { name: string; displayName?: string; supportedGenerationMethods?: string[] }[];
      };
      return (body.models ?? [])
        .filter((m) => m.supportedGenerationMethods?.includes("generateContent"))
        .map((m) => ({ id: m.name.replace(/^models\//, ""), name: m.displayName ?? m.name }));
    }
  }
}

/** The models one provider access offers. A provider that cannot be listed throws. */
export async function listModelsFor(access: ProviderAccess): Promise<ModelInfo[]> {
  const cacheKey = [access.provider, access.baseURL ?? "", sha256(access.apiKey ?? "")].join("|");
  let entry = cache.get(cacheKey);
  if (!entry || Date.now() - entry.at > ttlMs) {
    entry = { at: Date.now(), ids: fetchIds(access) };
    cache.set(cacheKey, entry);
    entry.ids.catch(() => cache.delete(cacheKey));
  }
  return (await entry.ids).map(({ id, name }) => ({
    id,
    name,
    provider: access.provider,
    providerName: providerNames[access.provider],
    structuredOutput: true,
    keySource: access.keySource,
  }));
}
