export const providerIds = ["openai", "anthropic", "google", "openai-compatible"] as const;
export type ProviderId = (typeof providerIds)[number];
