// Some steps install packages from the npm registry (a template's dependencies, a fragment's
// extras). Whether it answers is asked once per run; the steps that need it say so in their
// names and are skipped, with the reason printed, when it does not.

export const npmRegistry = "https://registry.npmjs.org";

let answer: Promise<boolean> | undefined;

/** Whether the npm registry served a package document within 5 s. */
export function npmRegistryReachable(): Promise<boolean> {
  answer ??= fetch(`${npmRegistry}/express`, {
    headers: { accept: "application/vnd.npm.install-v1+json" },
    signal: AbortSignal.timeout(5_000),
  }).then(
    (response) => response.ok,
    () => false,
  );
  return answer;
}

/** What a test needing the registry is called, with why it was skipped when it is. */
export function needsNpmRegistry(title: string, reachable: boolean): string {
  return reachable ? `${title} (npm registry)` : `${title} (skipped: ${npmRegistry} unreachable)`;
}

export function reportUnreachableRegistry(what: string): void {
  console.log(`\n  skipped: ${what} (needs ${npmRegistry}, which did not answer in 5 s)\n`);
}
