import { z } from "zod";
import { fragmentLimits, fragmentSchema, hasOverlongPart } from "@/lib/fragments/schema";
import { chatIdSchema } from "@/lib/id-schemas";

export const sandboxIdSchema = z
  .string()
  .regex(/^sbx_[a-z0-9]+$/, { error: "is not a sandbox id" });

/** A path inside the sandbox's workspace, relative or under /workspace; never outside it. */
export const workspacePathSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.includes("\0"), { error: "must not contain NUL bytes" })
  .refine((p) => !hasOverlongPart(p), {
    error: `must have no part between slashes longer than ${fragmentLimits.namePartBytes} bytes`,
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

/** GET /api/sandbox: your running sandboxes, oldest first, each with the chat that keeps it. */
export const sandboxListSchema = z.object({
  sandboxes: z.array(
    sandboxSchema.extend({ chatId: z.string().nullable(), chatTitle: z.string().nullable() }),
  ),
});

export type SandboxList = z.infer<typeof sandboxListSchema>;

/** The seed's POST /api/sandbox body. `userID`, `teamID` and `accessToken` are ignored. */
export const createSandboxBodySchema = z.object({
  fragment: fragmentSchema,
  userID: z.string().max(200).optional(),
  teamID: z.string().max(200).optional(),
  accessToken: z.string().max(4000).optional(),
  /** Kiln's: run in this existing sandbox instead of a new one. */
  sbxId: sandboxIdSchema.optional(),
  /** Kiln's: run for this chat of yours, in the sandbox it keeps (made and kept when it has none). */
  chatId: chatIdSchema.optional(),
});

export const terminalBodySchema = z.object({
  command: z.string().min(1, { error: "is required" }).max(10_000),
  sbxId: sandboxIdSchema,
  // The seed's clients were written against E2B, whose project directory is /home/user: it
  // names the same place as /workspace, Kiln's name for it on every provider.
  workingDirectory: workspacePathSchema
    .transform((p) => p.replace(/^\/home\/user(?=\/|$)/, "/workspace"))
    .refine((p) => p === "/workspace" || p.startsWith("/workspace/") || !p.startsWith("/"), {
      error: "must be inside /workspace (or /home/user)",
    })
    .optional(),
  teamID: z.string().max(200).optional(),
  accessToken: z.string().max(4000).optional(),
});

export const commandParamsSchema = z.object({
  commandId: z.string().regex(/^cmd_[a-z0-9]+$/, { error: "is not a command id" }),
});

export const sandboxParamsSchema = z.object({ id: sandboxIdSchema });
export const filesQuerySchema = z.object({ path: workspacePathSchema.default("/workspace") });
export const writeFilesBodySchema = z.object({
  files: z
    .array(z.object({ path: workspacePathSchema, content: z.string().max(1024 * 1024) }))
    .min(1)
    .max(50),
});
