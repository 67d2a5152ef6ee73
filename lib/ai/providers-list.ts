// The model providers Kiln speaks to, and their names as people read them. Browser code reads
// this module too, so it imports nothing.

export const providerIds = ["openai", "anthropic", "google", "openai-compatible"] as const;
export type ProviderId = (typeof providerIds)[number];

/**
 * Each provider's name in full (model lists, headings, health reports) and short, where a word
 * follows it ("OpenAI-compatible API key", "Save OpenAI-compatible") or space is tight.
 */
export const providerNames: Record<ProviderId, { full: string; short: string }> = {
  openai: { full: "OpenAI", short: "OpenAI" },
  anthropic: { full: "Anthropic", short: "Anthropic" },
  google: { full: "Google", short: "Google" },
  "openai-compatible": { full: "OpenAI-compatible server", short: "OpenAI-compatible" },
};
