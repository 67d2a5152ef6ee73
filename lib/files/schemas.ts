import { z } from "zod";
import { hasLoneSurrogate, normalizeWorkspacePath } from "./paths";

// Workspace files on Kiln's /api surface, with seed 000's fields (snake_case on a file, camelCase
// isDirectory in the tree and in requests, as the seed has them), plus Kiln's `version` and
// `encoding`. Bodies are strict: a misspelt expectedVersion must not pass as a write without
// its guard.

/** A client's path in its normal form (lib/files/paths.ts), or an issue saying why not. */
export const workspacePath = (allowRoot = false) =>
  z.string().transform((input, ctx) => {
    const check = normalizeWorkspacePath(input, allowRoot);
    if ("error" in check) {
      ctx.addIssue({ code: "custom", message: check.error });
      return z.NEVER;
    }
    return check.path;
  });

export const fileEncodingSchema = z.enum(["utf-8", "base64"], {
  error: 'must be "utf-8" or "base64"',
});
export type FileEncoding = z.infer<typeof fileEncodingSchema>;

/** 0 means "only if it does not exist yet"; any other number, "only if it is still at this version". */
const expectedVersion = z
  .number({ error: "must be a whole number" })
  .int({ error: "must be a whole number" })
  .min(0, { error: "must be at least 0" })
  .max(2_147_483_647);

// Base64 as RFC 4648 writes it (standard alphabet, padded): anything else is a client bug that
// Node's lenient decoder would turn into other bytes.
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const fileContent = z.object({
  content: z.string().default(""),
  encoding: fileEncodingSchema.default("utf-8"),
});

/** The content checks shared by every write: base64 that is base64, text that is Unicode. */
function checkContent(
  file: { content?: string; encoding?: FileEncoding; isDirectory?: boolean },
  ctx: z.RefinementCtx,
) {
  if (file.isDirectory) {
    if (file.content)
      ctx.addIssue({ code: "custom", path: ["content"], message: "a directory has no content" });
    return;
  }
  if (file.encoding === "base64" && !base64.test(file.content ?? "")) {
    ctx.addIssue({ code: "custom", path: ["content"], message: "is not valid base64" });
  }
  if (file.encoding !== "base64" && hasLoneSurrogate(file.content ?? "")) {
    ctx.addIssue({
      code: "custom",
      path: ["content"],
      message: "is not well-formed Unicode (a lone surrogate); send bytes as base64",
    });
  }
}

export const createFileBodySchema = z
  .strictObject({
    path: workspacePath(),
    isDirectory: z.boolean().default(false),
    ...fileContent.shape,
  })
  .superRefine(checkContent);
export type CreateFileBody = z.infer<typeof createFileBodySchema>;

export const writeContentBodySchema = z
  .strictObject({
    path: workspacePath(),
    ...fileContent.shape,
    expectedVersion: expectedVersion.min(1, { error: "must be at least 1" }).optional(),
  })
  .superRefine(checkContent);
export type WriteContentBody = z.infer<typeof writeContentBodySchema>;

export const batchLimit = 1000;

export const batchFileSchema = z
  .strictObject({
    path: workspacePath(),
    isDirectory: z.boolean().default(false),
    ...fileContent.shape,
    expectedVersion: expectedVersion.optional(),
  })
  .superRefine(checkContent);
export type BatchFile = z.infer<typeof batchFileSchema>;

export const batchBodySchema = z.strictObject({
  files: z
    .array(batchFileSchema)
    .min(1, { error: "must list at least one file" })
    .max(batchLimit, { error: `must list at most ${batchLimit} files` }),
});
export type BatchBody = z.infer<typeof batchBodySchema>;

export const deleteFileBodySchema = z.strictObject({ path: workspacePath() });

export const moveFileBodySchema = z.strictObject({
  from: workspacePath(),
  to: workspacePath(),
  expectedVersion: expectedVersion.min(1, { error: "must be at least 1" }).optional(),
});
export type MoveFileBody = z.infer<typeof moveFileBodySchema>;

export const listFilesQuerySchema = z.strictObject({ path: workspacePath(true).optional() });

export const zipQuerySchema = z.strictObject({ path: workspacePath(true).optional() });

/** The download is the zip itself (application/zip), not JSON. */
export const zipDownloadSchema = z
  .string()
  .meta({ description: "The zip file, as application/zip with Content-Disposition" });

export const readContentQuerySchema = z.strictObject({
  path: workspacePath(),
  encoding: fileEncodingSchema.optional(),
});

const timestamp = z.string();

/** A workspace file as seed 000 shows it, with Kiln's version and encoding. */
export const workspaceFileSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  path: z.string(),
  name: z.string(),
  /** The text (utf-8) or the bytes in base64; null for a directory. */
  content: z.string().nullable(),
  encoding: fileEncodingSchema,
  is_directory: z.boolean(),
  parent_path: z.string(),
  size_bytes: z.number(),
  version: z.number(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type WorkspaceFile = z.infer<typeof workspaceFileSchema>;

/** The same without its content, as a batch answers. */
export const workspaceFileInfoSchema = workspaceFileSchema.omit({ content: true });
export type WorkspaceFileInfo = z.infer<typeof workspaceFileInfoSchema>;

// A type, not an interface: a tree node must fit the schema's record of unknown values.
export type TreeNode = {
  name: string;
  path: string;
  isDirectory: boolean;
  size_bytes: number;
  version: number;
  updated_at: string;
  children?: TreeNode[];
};

// Not a recursive zod schema: its JSON Schema would refer to "#/$defs/...", which inside the
// OpenAPI document points at the document's root, where nothing is. The children are described
// in words instead.
export const treeNodeSchema = z.object({
  name: z.string(),
  path: z.string(),
  isDirectory: z.boolean(),
  size_bytes: z.number(),
  version: z.number(),
  updated_at: timestamp,
  children: z
    .array(z.record(z.string(), z.unknown()))
    .optional()
    .describe("A directory's entries, directories first, each a node of this same shape"),
});

export const fileTreeSchema = z.array(treeNodeSchema);

export const fileResultSchema = z.object({ success: z.literal(true), file: workspaceFileSchema });

export const fileContentSchema = z.object({
  content: z.string(),
  encoding: fileEncodingSchema,
  path: z.string(),
  name: z.string(),
  size_bytes: z.number(),
  version: z.number(),
  updated_at: timestamp,
});
export type FileContent = z.infer<typeof fileContentSchema>;

export const batchResultSchema = z.object({
  success: z.literal(true),
  files: z.array(workspaceFileInfoSchema),
});

export const deleteResultSchema = z.object({
  success: z.literal(true),
  /** How many rows went: the file, or the directory and everything below it. */
  deleted: z.number(),
});

export const moveResultSchema = z.object({
  success: z.literal(true),
  file: workspaceFileInfoSchema,
  /** How many rows moved: the file, or the directory and everything below it. */
  moved: z.number(),
});
