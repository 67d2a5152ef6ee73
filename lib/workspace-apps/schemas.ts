import { z } from "zod";
import { chatIdSchema } from "@/lib/chat/schemas";
import { workspacePath } from "@/lib/files/schemas";
import { sandboxIdSchema } from "@/lib/sandbox/schemas";
import { templateIds } from "@/lib/templates/templates";

// Workspace folders as apps: run one in a sandbox, open one in a chat, and save what the chat or
// the sandbox made of it back into the folder.

const folderField = workspacePath(true).default("");
const templateField = z
  .enum(templateIds, { error: `must be one of ${templateIds.join(", ")}` })
  .optional();

export const folderAppBodySchema = z.strictObject({
  /** The folder; the whole workspace when left out. */
  path: folderField,
  /** The template to run on; told from the folder's entry file when left out. */
  template: templateField,
});
export type FolderAppBody = z.infer<typeof folderAppBodySchema>;

export const openedChatSchema = z.object({
  chatId: z.string(),
  path: z.string(),
  fragment: z.record(z.string(), z.unknown()),
});

const versionsSchema = z.record(
  z.string(),
  z.number().int({ error: "must be a whole number" }).min(0).max(2_147_483_647),
);

export const saveSandboxBodySchema = z.strictObject({
  sbxId: sandboxIdSchema,
  /** The folder the sandbox's files go into; the whole workspace when left out. */
  path: folderField,
  /**
   * The version of each file (relative to the folder) the sandbox's copy started from; a file
   * not listed must not exist in the folder yet. Left out: files are written whatever their
   * versions, unless their content is the folder's already.
   */
  expectedVersions: versionsSchema.optional(),
});
export type SaveSandboxBody = z.infer<typeof saveSandboxBodySchema>;

export const saveChatBodySchema = z.strictObject({
  /** "fragment" (default): the chat's newest app; "sandbox": the files in the chat's sandbox. */
  source: z
    .enum(["fragment", "sandbox"], { error: 'must be "fragment" or "sandbox"' })
    .default("fragment"),
});
export type SaveChatBody = z.infer<typeof saveChatBodySchema>;

export const chatParamsSchema = z.object({ id: chatIdSchema });

export const savedFolderSchema = z.object({
  path: z.string(),
  written: z.array(z.string()),
  unchanged: z.array(z.string()),
  /** Binary files found in the sandbox, which a sandbox's files API cannot read; not saved. */
  skippedBinary: z.array(z.string()),
  versions: z.record(z.string(), z.number()),
});
export type SavedFolderResult = z.infer<typeof savedFolderSchema>;
