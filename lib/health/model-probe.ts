import "server-only";
import { providerNames } from "@/lib/ai/providers-list";
import { getEnv } from "@/lib/env";
import { cachedProbe, type ProbeResult, probeGet, timed } from "./probe-kit";

// Each configured provider is asked for its model list, which costs nothing and proves both
// that it answers and that it takes the key. A key goes only to its own provider's URL.

interface ProviderCheck {
  name: string;
  url: string;
  headers: Record<string, string>;
}

function configuredProviders(): ProviderCheck[] {
  const env = getEnv();
  const checks: ProviderCheck[] = [];
  const trim = (url: string) => url.replace(/\/+$/, "");
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL) {
    checks.push({
      name: providerNames[env.OPENAI_BASE_URL ? "openai-compatible" : "openai"].full,
      url: `${trim(env.OPENAI_BASE_URL ?? "https://api.openai.com/v1")}/models`,
      headers: env.OPENAI_API_KEY ? { authorization: `Bearer ${env.OPENAI_API_KEY}` } : {},
    });
  }
  if (env.ANTHROPIC_API_KEY) {
    checks.push({
      name: providerNames.anthropic.full,
      url: `${trim(env.ANTHROPIC_BASE_URL)}/models?limit=1`,
      headers: { "x-api-key": env.ANTHROPIC_API_KEY, "anthropic-version": "2023-06-01" },
    });
  }
  if (env.GOOGLE_GENERATIVE_AI_API_KEY) {
    checks.push({
      name: providerNames.google.full,
      url: `${trim(env.GOOGLE_GENERATIVE_AI_BASE_URL)}/models?pageSize=1`,
      headers: { "x-goog-api-key": env.GOOGLE_GENERATIVE_AI_API_KEY },
    });
  }
  return checks;
}

export const probeModel = cachedProbe(30_000, async (): Promise<ProbeResult> => {
  const providers = configuredProviders();
  if (providers.length === 0) {
    return { status: "unconfigured", message: "no model provider is configured" };
  }
  const results = await Promise.all(
    providers.map(async (p) => ({
      name: p.name,
      ...(await timed(async () => {
        await probeGet(p.url, p.headers, p.name);
        return { status: "healthy", message: `${p.name} listed its models` };
      })),
    })),
  );
  const failed = results.filter((r) => r.status !== "healthy");
  return {
    status: failed.length === 0 ? "healthy" : "unhealthy",
    latencyMs: Math.max(...results.map((r) => r.latencyMs ?? 0)),
    message: (failed.length > 0 ? failed : results).map((r) => r.message).join("; "),
    details: Object.fromEntries(results.map((r) => [r.name, r.status])),
  };
});
