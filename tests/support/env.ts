import { vi } from "vitest";

/**
 * Imports a module afresh with the given environment (lib/env caches what it read). A fixed
 * KILN_SECRET keeps tests from writing a secret file.
 */
export async function importWithEnv<T>(
  specifier: string,
  env: Record<string, string | undefined> = {},
): Promise<T> {
  vi.resetModules();
  vi.unstubAllEnvs();
  vi.stubEnv("KILN_SECRET", "ab".repeat(32));
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return (await import(/* @vite-ignore */ specifier)) as T;
}
