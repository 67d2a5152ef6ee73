import "server-only";
import { z } from "zod";
import { fragmentFiles } from "./files";
import { type Fragment, filePathProblem, fragmentSchema } from "./schema";

// Morph: the model edits an existing fragment with search/replace blocks instead of writing
// it again. Edits apply in order (a later edit sees the earlier ones) and all or nothing.

export const fileEditSchema = z.object({
  file_path: z.string().describe("Relative path of the file to edit or create."),
  search: z
    .string()
    .describe(
      "Text copied exactly from the file's current content, including indentation, long enough to occur only once. Empty to create a new file.",
    ),
  replace: z
    .string()
    .describe("The text that takes the place of `search`; the whole content for a new file."),
});
export type FileEdit = z.infer<typeof fileEditSchema>;

/**
 * The model's structured output for an edit. An edit may change the files, the commentary
 * (always: it tells the user what changed), the title, the description and the dependency list.
 * The template, the port and the entry path stay: changing those means writing a new fragment.
 * Fields are nullable rather than optional because strict JSON-schema modes need every field.
 */
export const fragmentEditsSchema = z.object({
  commentary: z.string().describe("A short explanation for the user of what you changed."),
  edits: z.array(fileEditSchema).describe("The changes, applied in order."),
  title: z.string().nullable().describe("A new title, or null to keep the current one."),
  description: z
    .string()
    .nullable()
    .describe("A new one-sentence description, or null to keep the current one."),
  additional_dependencies: z
    .array(z.string())
    .nullable()
    .describe("The complete new list of additional dependencies, or null to keep the current one."),
});
export type FragmentEdits = z.infer<typeof fragmentEditsSchema>;

export type EditFailureReason =
  | "unsafe_path"
  | "unknown_file"
  | "file_exists"
  | "not_found"
  | "ambiguous"
  | "invalid_result";

export interface EditFailure {
  /** Index into `edits`; null when the failure is the edited fragment as a whole. */
  index: number | null;
  /** The file concerned; null for a result-wide failure that concerns no one file. */
  file_path: string | null;
  reason: EditFailureReason;
  message: string;
}

export type ApplyEditsResult =
  | { ok: true; fragment: Fragment }
  | { ok: false; failures: EditFailure[] };

/** What a change says besides the files; null keeps the current value. */
export type FragmentFieldChanges = Pick<
  FragmentEdits,
  "commentary" | "title" | "description" | "additional_dependencies"
>;

/**
 * The fragment with its files replaced by `files` (every file by path, the entry's among them)
 * and its fields changed, validated again. `others` are the files besides the entry, in the
 * order the fragment's `files` has them.
 */
export function rebuildFragment(
  fragment: Fragment,
  files: ReadonlyMap<string, string>,
  changes: FragmentFieldChanges,
) {
  const others = [...files]
    .filter(([file_path]) => file_path !== fragment.file_path)
    .map(([file_path, code]) => ({ file_path, code }));
  const parsed = fragmentSchema.safeParse({
    ...fragment,
    commentary: changes.commentary,
    title: changes.title ?? fragment.title,
    description: changes.description ?? fragment.description,
    additional_dependencies: changes.additional_dependencies ?? fragment.additional_dependencies,
    code: files.get(fragment.file_path),
    files: others,
  });
  return { parsed, others };
}

type Replaced = { ok: true; content: string } | { ok: false; matches: number };

/**
 * Applies `changes` to `fragment`. On any failure nothing is applied and every failing edit is
 * reported (each checked against the files as the edits before it, minus failed ones, left them).
 */
export function applyEdits(fragment: Fragment, changes: FragmentEdits): ApplyEditsResult {
  const files = new Map(fragmentFiles(fragment).map((f) => [f.file_path, f.code]));
  const failures: EditFailure[] = [];
  for (const [index, edit] of changes.edits.entries()) {
    const failure = applyOne(files, edit);
    if (failure) failures.push({ index, file_path: edit.file_path, ...failure });
  }
  if (failures.length > 0) return { ok: false, failures };

  const { parsed, others } = rebuildFragment(fragment, files, changes);
  if (parsed.success) return { ok: true, fragment: parsed.data };
  return {
    ok: false,
    failures: parsed.error.issues.map((issue) => {
      // Name the file, since the model never saw the index its file got in `files`.
      const [field, position] = issue.path;
      const file_path =
        field === "code"
          ? fragment.file_path
          : field === "files" && typeof position === "number"
            ? (others[position]?.file_path ?? null)
            : null;
      return {
        index: null,
        file_path,
        reason: "invalid_result",
        message: `the edited fragment is invalid: ${issue.path.join(".")}: ${issue.message}`,
      };
    }),
  };
}

type Failure = Pick<EditFailure, "reason" | "message">;

// Applies one edit to `files` in place, or says why it cannot be applied.
function applyOne(files: Map<string, string>, edit: FileEdit): Failure | undefined {
  const path = JSON.stringify(edit.file_path);
  const problem = filePathProblem(edit.file_path);
  if (problem) return { reason: "unsafe_path", message: `file_path ${path} ${problem}` };
  const current = files.get(edit.file_path);
  if (current === undefined) {
    if (edit.search === "") {
      files.set(edit.file_path, edit.replace);
      return undefined;
    }
    const known = [...files.keys()].slice(0, 10).map((p) => JSON.stringify(p));
    return {
      reason: "unknown_file",
      message: `${path} is not in the fragment (files: ${known.join(", ")}); to create it, leave search empty`,
    };
  }
  if (edit.search === "") {
    return { reason: "file_exists", message: `search is empty but ${path} already exists` };
  }
  const replaced = replaceOnce(current, edit.search, edit.replace);
  if (replaced.ok) {
    files.set(edit.file_path, replaced.content);
    return undefined;
  }
  if (replaced.matches === 0) {
    return {
      reason: "not_found",
      message: `search text ${preview(edit.search)} not found in ${path}; copy it exactly from the current file`,
    };
  }
  return {
    reason: "ambiguous",
    message: `search text ${preview(edit.search)} found ${replaced.matches} times in ${path}; include more surrounding lines so that it matches once`,
  };
}

/**
 * Replaces the one occurrence of `search` in `content`. Exact matching first; when that finds
 * nothing, lines are compared ignoring leading and trailing whitespace (models often get
 * indentation or trailing spaces wrong), and a unique match there is replaced, re-indented.
 */
export function replaceOnce(content: string, search: string, replace: string): Replaced {
  const at = content.indexOf(search);
  if (at !== -1) {
    const again = countFrom(content, search, at + 1);
    if (again > 0) return { ok: false, matches: again + 1 };
    // Slicing, not String.replace, which would expand "$&" and the like in `replace`.
    return {
      ok: true,
      content: content.slice(0, at) + replace + content.slice(at + search.length),
    };
  }
  return replaceLines(content, search, replace);
}

function countFrom(content: string, search: string, from: number): number {
  let count = 0;
  for (let i = content.indexOf(search, from); i !== -1; i = content.indexOf(search, i + 1)) {
    count += 1;
  }
  return count;
}

const toLines = (text: string) => text.replaceAll("\r\n", "\n").replace(/\n$/, "").split("\n");

function replaceLines(content: string, search: string, replace: string): Replaced {
  const lines = content.split("\n");
  const wanted = toLines(search).map((line) => line.trim());
  if (wanted.every((line) => line === "")) return { ok: false, matches: 0 };
  const starts: number[] = [];
  for (let i = 0; i + wanted.length <= lines.length; i++) {
    if (wanted.every((line, j) => lines[i + j]!.trim() === line)) starts.push(i);
  }
  if (starts.length !== 1) return { ok: false, matches: starts.length };
  const start = starts[0]!;
  const matched = lines.slice(start, start + wanted.length);
  const from = indentOf(toLines(search));
  const to = indentOf(matched);
  const carriage = matched.every((line) => line.endsWith("\r")) ? "\r" : "";
  const replacement = replace === "" ? [] : toLines(replace);
  const inserted = replacement.map((line) => {
    const shifted =
      line.trim() !== "" && line.startsWith(from) ? to + line.slice(from.length) : line;
    return shifted + carriage;
  });
  lines.splice(start, wanted.length, ...inserted);
  return { ok: true, content: lines.join("\n") };
}

/** The indentation of the least indented non-blank line. */
function indentOf(lines: readonly string[]): string {
  let indent: string | undefined;
  for (const line of lines) {
    if (line.trim() === "") continue;
    const own = /^[ \t]*/.exec(line)![0];
    if (indent === undefined || own.length < indent.length) indent = own;
  }
  return indent ?? "";
}

function preview(search: string): string {
  const line =
    search
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? search;
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
}

/** A short message for the model listing what went wrong, so that it can try once more. */
export function editFailuresMessage(failures: readonly EditFailure[], shown = 10): string {
  const lines = failures.slice(0, shown).map((f) => {
    const file = f.file_path === null ? "" : ` (${JSON.stringify(f.file_path)})`;
    const where = f.index === null ? `Result${file}` : `Edit ${f.index + 1}${file}`;
    return `- ${where}: ${f.message}`;
  });
  if (failures.length > shown) lines.push(`- and ${failures.length - shown} more`);
  return [
    `Your edits were not applied: ${failures.length} ${failures.length === 1 ? "problem" : "problems"}. No edit was applied, so send the complete list of edits again with these fixed:`,
    ...lines,
  ].join("\n");
}
