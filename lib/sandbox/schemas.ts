import { z } from "zod";

export const sandboxIdSchema = z
  .string()
  .regex(/^sbx_[a-z0-9]+$/, { error: "is not a sandbox id" });

/** A path inside the sandbox's workspace, relative or under /workspace; never outside it. */
export const workspacePathSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.includes("\0"), { error: "must not contain NUL bytes" });

export const cellResultSchema = z.union([
  z.object({ text: z.string() }),
  z.object({ png: z.string() }),
]);

export const runtimeErrorSchema = z.object({
  name: z.string(),
  value: z.string(),
  traceback: z.string(),
});

export const sandboxSchema = z.object({
  sbxId: z.string(),
  template: z.string(),
  provider: z.enum(["local", "e2b"]),
  status: z.enum(["running", "stopped", "expired"]),
  workingDirectory: z.string(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});
