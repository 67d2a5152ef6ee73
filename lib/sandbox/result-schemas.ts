import { z } from "zod";

// What sandbox commands answer: a run's result, a terminal command's exit, a file listing. Safe
// for the browser (zod only), which takes its types from here rather than declaring its own.

export const cellResultSchema = z.union([
  z.object({ text: z.string() }),
  z.object({ png: z.string() }),
]);

export const runtimeErrorSchema = z.object({
  name: z.string(),
  value: z.string(),
  traceback: z.string(),
});

export const terminalResultSchema = z.object({
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().int(),
  workingDirectory: z.string(),
  limit: z.string().optional(),
});

export const interpreterResultSchema = z.object({
  sbxId: z.string(),
  template: z.string(),
  stdout: z.string(),
  stderr: z.string(),
  runtimeError: runtimeErrorSchema.nullable(),
  cellResults: z.array(cellResultSchema),
  /** Paths written into the sandbox. */
  files: z.array(z.string()),
  /** What did not go as asked but did not stop the run, such as dependencies not installed. */
  warnings: z.array(z.string()),
});

export const webResultSchema = z.object({
  sbxId: z.string(),
  template: z.string(),
  /** Where the running app is seen: a Kiln path for local sandboxes, an https URL on E2B. */
  url: z.string(),
  files: z.array(z.string()),
  warnings: z.array(z.string()),
});

export const runFragmentResultSchema = z.union([interpreterResultSchema, webResultSchema]);

export const workspaceEntrySchema = z.object({
  name: z.string(),
  path: z.string(),
  type: z.enum(["file", "directory", "symlink"]),
  size: z.number().int(),
});

export const filesResultSchema = z.union([
  z.object({
    path: z.string(),
    type: z.literal("directory"),
    entries: z.array(workspaceEntrySchema),
  }),
  z.object({ path: z.string(), type: z.literal("file"), content: z.string() }),
]);

export type CellResult = z.infer<typeof cellResultSchema>;
export type RuntimeError = z.infer<typeof runtimeErrorSchema>;
export type TerminalResult = z.infer<typeof terminalResultSchema>;
export type InterpreterRunResult = z.infer<typeof interpreterResultSchema>;
export type WebRunResult = z.infer<typeof webResultSchema>;
export type RunFragmentResult = z.infer<typeof runFragmentResultSchema>;
export type WorkspaceEntry = z.infer<typeof workspaceEntrySchema>;
