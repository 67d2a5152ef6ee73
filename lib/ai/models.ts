import "server-only";
import { KilnError } from "@/lib/errors";
import { assertClientBaseUrl } from "./client-base-url";
import { saveCredential, userProviders } from "./credentials";
import { listModelsFor } from "./list-models";
import { type ProviderId, serverProviders } from "./providers";
import type { ModelCredential, ModelsResponse } from "./schemas";

/** Every model the user can pick: their own providers first, then the server's. */
export async function availableModels(user: {
  id: string;
  isAdmin: boolean;
}): Promise<ModelsResponse> {
  const accesses = [...(await userProviders(user.id)), ...serverProviders()];
  // A provider the user configured themselves replaces the server's for the same provider.
  const seen = new Set<ProviderId>();
  const chosen = accesses.filter((a) => !seen.has(a.provider) && seen.add(a.provider));
  const listed = await Promise.all(
    chosen.map(async (access) => {
      try {
        return { access, models: await listModelsFor(access, user), error: undefined };
      } catch (error) {
        return { access, models: [], error: (error as Error).message };
      }
    }),
  );
  return {
    models: listed.flatMap((l) => l.models),
    providers: listed.map(({ access, error }) => ({
      provider: access.provider,
      keySource: access.keySource,
      status: error ? "error" : "ok",
      ...(error ? { message: `could not list models: ${error}` } : {}),
    })),
  };
}

/** Checks a provider setting makes sense before it is stored. */
export async function saveProvider(options: {
  userId: string;
  isAdmin: boolean;
  provider: ProviderId;
  apiKey?: string;
  baseURL?: string;
}): Promise<ModelCredential> {
  if (options.provider === "openai-compatible") {
    if (!options.baseURL) {
      throw new KilnError("VALIDATION_ERROR", "baseURL: required for an OpenAI-compatible server");
    }
    const url = options.baseURL.replace(/\/+$/, "");
    await assertClientBaseUrl(url, { isAdmin: options.isAdmin }).catch((error: KilnError) => {
      throw new KilnError("VALIDATION_ERROR", error.message.replace("config.baseURL", "baseURL"));
    });
    return saveCredential({ ...options, baseURL: url });
  }
  if (options.baseURL) {
    throw new KilnError(
      "VALIDATION_ERROR",
      `baseURL: only an openai-compatible provider takes a base URL, not ${options.provider}`,
    );
  }
  if (!options.apiKey) throw new KilnError("VALIDATION_ERROR", "apiKey: is required");
  return saveCredential(options);
}
