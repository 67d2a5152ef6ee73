import "server-only";
import { z } from "zod";
import { getTemplate, installCommandFor, templateIds } from "@/lib/templates/templates";

export { fragmentFiles } from "./files";

// A fragment is an app the model wrote: code plus the template it runs on. The seed's field
// names are a contract and stay snake_case. Kiln adds `files` for apps of more than one file:
// `file_path`/`code` always hold the entry (main) file and `files` holds every other file.

export const fragmentLimits = {
  /** Bytes of UTF-8 per file. */
  fileBytes: 200 * 1024,
  /** Bytes of UTF-8 across all files; matches the default request body limit. */
  totalBytes: 1024 * 1024,
  /** Files in all, the entry included. */
  files: 50,
  pathLength: 256,
  /** Bytes of UTF-8 in one part of a path: the longest file name Linux allows. */
  namePartBytes: 255,
  dependencies: 50,
} as const;

/** Whether a part of `path` between slashes is longer than a file name may be. */
export function hasOverlongPart(path: string): boolean {
  return path
    .split("/")
    .some((part) => Buffer.byteLength(part, "utf8") > fragmentLimits.namePartBytes);
}

const overlongPart = `must have no part between slashes longer than ${fragmentLimits.namePartBytes} bytes`;

/** Why `path` is not a safe relative file path, or undefined when it is. */
export function filePathProblem(path: string): string | undefined {
  if (path.length === 0) return "must not be empty";
  if (path.length > fragmentLimits.pathLength) {
    return `must be at most ${fragmentLimits.pathLength} characters`;
  }
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return "must not contain control characters such as NUL";
  }
  if (path.includes("\\")) return "must use forward slashes, not backslashes";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "must be relative, not absolute";
  if (path !== path.trim()) return "must not start or end with whitespace";
  const segments = path.split("/");
  if (segments.includes("..")) return 'must not contain ".."';
  if (hasOverlongPart(path)) return overlongPart;
  // Rejected rather than normalised, so that two spellings can never name one file.
  if (segments.some((s) => s === "" || s === ".")) {
    return 'must be normalised: no empty or "." segments and no trailing slash';
  }
  return undefined;
}

export const filePathSchema = z.string().superRefine((path, ctx) => {
  const problem = filePathProblem(path);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const utf8Bytes = (text: string) => Buffer.byteLength(text, "utf8");

const codeSchema = z.string().refine((code) => utf8Bytes(code) <= fragmentLimits.fileBytes, {
  error: `must be at most ${fragmentLimits.fileBytes / 1024} KB`,
});

// A package name with an optional version, for pip or npm. Nothing that the installer would
// read as a flag, a URL, a path or a GitHub shorthand (npm reads "user/repo" as one).
const dependencyPattern =
  /^(?:@[a-z0-9][a-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[A-Za-z0-9._,-]+\])?(?:(?:==|>=|<=|~=|!=|>|<|@)[A-Za-z0-9.*+^~<>=!,_-]+)?$/;

const dependencySchema = z.string().trim().max(100).regex(dependencyPattern, {
  error: 'must be a package name with an optional version, such as "pandas>=2" or "react@^18"',
});

export const fragmentFileSchema = z.object({ file_path: filePathSchema, code: codeSchema });

/**
 * The validated fragment. Normalises rather than refuses what the server can derive:
 * `has_additional_dependencies` becomes `additional_dependencies.length > 0` (after removing
 * duplicates), `install_dependencies_command` is rebuilt from the template's installer (the
 * sender's command is never run), and an empty `files` is dropped.
 */
export const fragmentSchema = z
  .object({
    commentary: z.string().max(20_000),
    template: z.enum(templateIds, { error: `must be one of ${templateIds.join(", ")}` }),
    title: z.string().trim().min(1, { error: "must not be empty" }).max(120),
    description: z.string().trim().max(1000),
    additional_dependencies: z.array(dependencySchema).max(fragmentLimits.dependencies),
    has_additional_dependencies: z.boolean(),
    install_dependencies_command: z.string().max(2000),
    port: z.number().int().min(1).max(65535).nullable(),
    file_path: filePathSchema,
    code: codeSchema.min(1, { error: "must not be empty" }),
    files: z
      .array(fragmentFileSchema)
      .max(fragmentLimits.files - 1, { error: `must hold at most ${fragmentLimits.files} files` })
      .optional(),
  })
  .superRefine((fragment, ctx) => {
    const seen = new Set([fragment.file_path]);
    let total = utf8Bytes(fragment.code);
    for (const [index, file] of (fragment.files ?? []).entries()) {
      if (seen.has(file.file_path)) {
        ctx.addIssue({
          code: "custom",
          path: ["files", index, "file_path"],
          message: `duplicate path "${file.file_path}"; each file appears once`,
        });
      }
      seen.add(file.file_path);
      total += utf8Bytes(file.code);
    }
    // "a" and "a/b" cannot both be written to disk or committed to one tree (git would take a
    // tree with two entries named "a"), so a path that is another's folder is refused.
    const paths = [fragment.file_path, ...(fragment.files ?? []).map((f) => f.file_path)];
    for (const [index, filePath] of paths.entries()) {
      const parts = filePath.split("/");
      const clash = parts
        .slice(1)
        .map((_, i) => parts.slice(0, i + 1).join("/"))
        .find((folder) => seen.has(folder));
      if (clash === undefined) continue;
      ctx.addIssue({
        code: "custom",
        path: index === 0 ? ["file_path"] : ["files", index - 1, "file_path"],
        message: `"${clash}" is a file, so it cannot also be the folder of "${filePath}"`,
      });
    }
    if (total > fragmentLimits.totalBytes) {
      ctx.addIssue({
        code: "custom",
        path: ["files"],
        message: `all files together must be at most ${fragmentLimits.totalBytes / 1024} KB`,
      });
    }
    if (
      fragment.additional_dependencies.length > 0 &&
      !getTemplate(fragment.template)?.installCommand
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["additional_dependencies"],
        message: `template "${fragment.template}" cannot install packages; load them from a CDN`,
      });
    }
  })
  .transform(({ files, ...fragment }) => {
    const dependencies = [...new Set(fragment.additional_dependencies)];
    return {
      ...fragment,
      additional_dependencies: dependencies,
      has_additional_dependencies: dependencies.length > 0,
      install_dependencies_command: installCommandFor(
        getTemplate(fragment.template)!,
        dependencies,
      ),
      ...(files && files.length > 0 ? { files } : {}),
    };
  });
export type Fragment = z.output<typeof fragmentSchema>;
export type FragmentInput = z.input<typeof fragmentSchema>;

/**
 * The shape the model fills in as structured output. Every field is required and nothing is
 * refined, because strict JSON-schema modes allow neither optional fields nor custom checks;
 * parse the result with `fragmentSchema` afterwards.
 */
export const fragmentOutputSchema = z.object({
  commentary: z
    .string()
    .describe("A short explanation for the user of what you built and the choices you made."),
  template: z.enum(templateIds).describe("The id of the template the app runs on."),
  title: z.string().describe("A short title for the app, a few words."),
  description: z.string().describe("One sentence saying what the app does."),
  additional_dependencies: z
    .array(z.string())
    .describe(
      'Packages to install beyond the template\'s preinstalled libraries, such as "pandas>=2" or "react-icons". Empty when none are needed.',
    ),
  has_additional_dependencies: z
    .boolean()
    .describe("True exactly when additional_dependencies is not empty."),
  install_dependencies_command: z
    .string()
    .describe(
      'The template\'s install command followed by the additional dependencies, such as "pip install pandas". Empty when there are none.',
    ),
  port: z
    .number()
    .int()
    .nullable()
    .describe("The port the app listens on, which is the template's port; null if it has none."),
  file_path: z
    .string()
    .describe("Relative path of the entry file, which is the template's entry file."),
  code: z.string().describe("The complete content of the entry file, ready to run."),
  files: z
    .array(
      z.object({
        file_path: z.string().describe("Relative path of the file, with forward slashes."),
        code: z.string().describe("The complete content of the file."),
      }),
    )
    .describe("Every other file the app needs besides the entry file. Empty for one-file apps."),
});
