import { z } from "zod";
import { projectIdSchema } from "@/lib/projects/schemas";

// Seed 001's read-only files of a project repository: a directory's entries and a file's
// content, at any branch, tag or commit.

const utf8Length = (text: string) => Buffer.byteLength(text, "utf8");

/**
 * A branch, tag or commit id as `git check-ref-format` allows one, and never anything git could
 * read as an option or as revision syntax (`-x`, `a..b`, `@{1}`, `HEAD~2`, `x:path`).
 */
export const refSchema = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(255, { error: "must be at most 255 characters" })
  .refine((ref) => !ref.startsWith("-"), { error: "must not start with '-'" })
  .refine(
    (ref) =>
      /^[A-Za-z0-9._/+-]+$/.test(ref) &&
      !ref.includes("..") &&
      !ref.includes("//") &&
      !/(^|\/)\./.test(ref) &&
      !/(\/|\.|\.lock)$/.test(ref) &&
      !ref.startsWith("/"),
    { error: "is not a branch, tag or commit id" },
  );

/**
 * A path inside the repository, "/" or empty for its root. Leading and trailing slashes are
 * dropped; "." and ".." parts, empty parts, line breaks and parts over 255 bytes are refused, so
 * a path can only name something in the tree.
 */
export const repoPathSchema = z
  .string()
  .max(4096, { error: "must be at most 4096 characters" })
  .transform((text) => text.replace(/^\/+/, "").replace(/\/+$/, ""))
  .superRefine((text, ctx) => {
    if (text === "") return;
    for (const part of text.split("/")) {
      let problem: string | undefined;
      if (part === "") problem = "must not contain empty parts (//)";
      else if (part === "." || part === "..") problem = "must not contain '.' or '..' parts";
      else if (/[\n\r]/.test(part)) problem = "must not contain line breaks";
      else if (utf8Length(part) > 255) problem = "must have no part longer than 255 bytes";
      if (problem) {
        ctx.addIssue({ code: "custom", message: problem });
        return;
      }
    }
  });

export const listFilesQuerySchema = z.object({
  ref: refSchema.default("main"),
  path: repoPathSchema.default(""),
});
export type ListFilesQuery = z.infer<typeof listFilesQuerySchema>;

export const fileContentQuerySchema = z.object({ ref: refSchema.default("main") });

export const filesParamsSchema = z.object({ projectId: projectIdSchema });

export const fileParamsSchema = z.object({
  projectId: projectIdSchema,
  // Next gives a catch-all segment as its decoded parts.
  path: z
    .array(z.string())
    .min(1)
    .transform((parts) => parts.join("/"))
    .pipe(repoPathSchema.refine((p) => p !== "", { error: "is required" })),
});

export const fileEntrySchema = z.object({
  name: z.string(),
  type: z.enum(["directory", "file"]),
  size: z.number().int().optional(),
});

export const directoryListingSchema = z.object({
  ref: z.string(),
  /** The commit the ref named when read. */
  commitSha: z.string(),
  path: z.string(),
  entries: z.array(fileEntrySchema),
});
export type DirectoryListing = z.infer<typeof directoryListingSchema>;

export const fileContentSchema = z.object({
  path: z.string(),
  ref: z.string(),
  commitSha: z.string(),
  content: z.string(),
  encoding: z.enum(["utf-8", "base64"]),
  size: z.number().int(),
});
export type FileContent = z.infer<typeof fileContentSchema>;
