import "server-only";
import { z } from "zod";
import { KilnError } from "@/lib/errors";

// What one sandboxed command may use. Hitting any of these ends the whole run, and the result
// names the limit, so a user sees "killed: memory" rather than a bare exit code 137.

export interface SandboxLimits {
  /** Wall-clock time from start until every process of the sandbox is killed. */
  wallMs: number;
  /** Memory of the whole sandbox (processes, page cache, its /tmp). */
  memoryBytes: number;
  /** Processes and threads alive at once, the command itself included. */
  processes: number;
  /** Largest file any process may write. */
  fileBytes: number;
  /** stdout and stderr together; beyond this the output is cut and the run killed. */
  outputBytes: number;
  /** CPU time as a number of CPUs (0.5: half of one), where a cpu cgroup is writable; none unless given. */
  cpus?: number;
}

export type SandboxLimit = "wall" | "memory" | "processes" | "file_size" | "disk" | "output";

const MiB = 1024 * 1024;

export const defaultSandboxLimits: Readonly<SandboxLimits> = {
  wallMs: 30_000,
  memoryBytes: 512 * MiB,
  processes: 128,
  fileBytes: 64 * MiB,
  outputBytes: 1 * MiB,
};

const count = (min: number, max: number) => z.number().int().min(min).max(max);

export const sandboxLimitsSchema = z
  .object({
    wallMs: count(100, 24 * 60 * 60 * 1000),
    // Below this even a Python interpreter cannot start, and the run would look broken.
    memoryBytes: count(32 * MiB, 64 * 1024 * MiB),
    processes: count(1, 4096),
    fileBytes: count(1, 64 * 1024 * MiB),
    outputBytes: count(1, 256 * MiB),
    cpus: z.number().min(0.01).max(1024),
  })
  .partial();

/** The defaults with the given overrides; an invalid override is a 400 naming its field. */
export function resolveSandboxLimits(overrides: Partial<SandboxLimits> = {}): SandboxLimits {
  const parsed = sandboxLimitsSchema.safeParse(overrides);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = `limits.${issue.path.join(".")}`;
    throw new KilnError("VALIDATION_ERROR", `${field}: ${issue.message}`, { details: { field } });
  }
  const given = Object.entries(parsed.data).filter(([, value]) => value !== undefined);
  return { ...defaultSandboxLimits, ...Object.fromEntries(given) };
}
