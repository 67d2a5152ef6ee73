// A search box's text as a Postgres full-text query over the projects' `search` column
// (to_tsvector('simple', name || ' ' || description)): every word must appear, each as a word
// or the start of one, case-insensitively. Only letters and digits reach the query, so no
// input can change its syntax.

/** The tsquery text, or undefined when the search has no words in it. */
export function searchQuery(text: string): string | undefined {
  const words = text
    .toLowerCase()
    .match(/[\p{L}\p{N}]+/gu)
    ?.slice(0, 10);
  if (!words?.length) return undefined;
  return words.map((word) => `${word}:*`).join(" & ");
}
