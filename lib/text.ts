// Small text helpers that server and browser code share.

export const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
export const uncapitalise = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** The host (name and port) of a URL; undefined when the text is not a URL. */
export function hostOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).host : undefined;
  } catch {
    return undefined;
  }
}
