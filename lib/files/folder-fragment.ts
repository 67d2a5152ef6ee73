import "server-only";
import { getDb } from "@/lib/db/client";
import { KilnError } from "@/lib/errors";
import { type Fragment, fragmentLimits, fragmentSchema } from "@/lib/fragments/schema";
import { getTemplate, type TemplateId } from "@/lib/templates/templates";
import { subtreeCondition } from "./file-rows";
import { baseName } from "./paths";

// A folder of the workspace as a fragment, so that it runs in a sandbox and a chat can edit it
// like an app the model wrote: its files relative to the folder, the template told by its entry
// file (or named by the caller), and each file's version, for saving back without overwriting a
// change made in the workspace since. What never belongs in an app's sources (installed
// packages, build output) is left out; binary files and folders over a fragment's limits are
// refused with the reason, not cut short.

/** Folders of installed packages and caches, wherever they are: made by running an app. */
const generatedDirs = new Set([
  "node_modules",
  ".git",
  ".next",
  ".nuxt",
  ".output",
  ".cache",
  ".venv",
  "__pycache__",
]);
/** Build output, at the top of an app only: src/build/ may well be source. */
const outputDirs = new Set(["dist", "build"]);

/** Whether a path of an app (a file or a folder) is made by running it rather than written. */
export const isGenerated = (relativePath: string) => {
  const parts = relativePath.split("/");
  return parts.some((part) => generatedDirs.has(part)) || outputDirs.has(parts[0] ?? "");
};

export interface FolderFile {
  /** Relative to the folder. */
  path: string;
  content: string;
  version: number;
}

/** What the folder is, for people: "src/app" or "your workspace". */
export const folderLabel = (folder: string) =>
  folder === "" ? "your workspace" : `the workspace folder ${folder}/`;

const relativeTo = (folder: string, path: string) =>
  folder === "" ? path : path.slice(folder.length + 1);

/** The text files of `folder` ("" for the whole workspace), relative to it, with versions. */
export async function readFolder(userId: string, folder: string): Promise<FolderFile[]> {
  const db = await getDb();
  const where = folder === "" ? "" : `and ${subtreeCondition("$2")}`;
  const rows = await db.query<{
    path: string;
    is_directory: boolean;
    encoding: string;
    size_bytes: string | number;
    version: number;
  }>(
    `select path, is_directory, encoding, size_bytes, version from workspace_files
      where user_id = $1 ${where} order by path`,
    folder === "" ? [userId] : [userId, folder],
  );
  if (rows.length === 0) {
    throw new KilnError("NOT_FOUND", `Nothing is in ${folderLabel(folder)}`);
  }
  if (rows.length === 1 && rows[0]!.path === folder && !rows[0]!.is_directory) {
    throw new KilnError("VALIDATION_ERROR", `path: ${folder} is a file; name its folder`, {
      details: { field: "path" },
    });
  }
  const files = rows.filter(
    (row) => !row.is_directory && !isGenerated(relativeTo(folder, row.path)),
  );
  if (files.length === 0) {
    throw new KilnError("NOT_FOUND", `There are no files in ${folderLabel(folder)}`);
  }
  const binary = files.filter((row) => row.encoding !== "utf-8").map((row) => row.path);
  if (binary.length > 0) {
    throw new KilnError(
      "VALIDATION_ERROR",
      `An app runs from text files only, and ${folderLabel(folder)} holds binary ones: ${binary.slice(0, 5).join(", ")}${binary.length > 5 ? ` and ${binary.length - 5} more` : ""}. Open a folder without them`,
      { details: { field: "path", binaryFiles: binary.slice(0, 50) } },
    );
  }
  if (files.length > fragmentLimits.files) {
    throw new KilnError(
      "PAYLOAD_TOO_LARGE",
      `${capitalised(folderLabel(folder))} holds ${files.length} files; an app runs with at most ${fragmentLimits.files}. Open a smaller folder`,
      { details: { files: files.length, limit: fragmentLimits.files } },
    );
  }
  const total = files.reduce((sum, row) => sum + Number(row.size_bytes), 0);
  const largest = files.reduce((a, b) => (Number(b.size_bytes) > Number(a.size_bytes) ? b : a));
  if (Number(largest.size_bytes) > fragmentLimits.fileBytes || total > fragmentLimits.totalBytes) {
    throw new KilnError(
      "PAYLOAD_TOO_LARGE",
      Number(largest.size_bytes) > fragmentLimits.fileBytes
        ? `${largest.path} is ${Math.ceil(Number(largest.size_bytes) / 1024)} KB; an app's files are at most ${fragmentLimits.fileBytes / 1024} KB each`
        : `The files of ${folderLabel(folder)} come to ${Math.ceil(total / 1024)} KB; an app's files are at most ${fragmentLimits.totalBytes / 1024} KB together`,
      { details: { bytes: total } },
    );
  }
  const contents = await db.query<{ path: string; content: string | null }>(
    "select path, content from workspace_files where user_id = $1 and path = any($2::text[])",
    [userId, files.map((row) => row.path)],
  );
  const byPath = new Map(contents.map((row) => [row.path, row.content ?? ""]));
  return files.map((row) => ({
    path: relativeTo(folder, row.path),
    content: byPath.get(row.path) ?? "",
    version: Number(row.version),
  }));
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

// In this order: a folder with a Next.js page and an index.js is a Next.js app, and so on.
const detectionOrder: TemplateId[] = [
  "nextjs-developer",
  "vue-developer",
  "node-server",
  "static-html",
  "streamlit-developer",
  "gradio-developer",
  "code-interpreter-v1",
];

/** The template a folder's files run on, told by its entry file; undefined when none fits. */
export function detectTemplate(
  files: Pick<FolderFile, "path" | "content">[],
): TemplateId | undefined {
  const byPath = new Map(files.map((file) => [file.path, file.content]));
  return detectionOrder.find((id) => {
    const entry = byPath.get(getTemplate(id)!.entryFile);
    if (entry === undefined) return false;
    if (id === "streamlit-developer") return /^\s*(import|from)\s+streamlit\b/m.test(entry);
    if (id === "gradio-developer") return /^\s*(import|from)\s+gradio\b/m.test(entry);
    return true;
  });
}

/** The folder as a fragment on `template` (told from its files when not given). */
export async function fragmentFromFolder(options: {
  userId: string;
  folder: string;
  template?: TemplateId | undefined;
}): Promise<{ fragment: Fragment; versions: Record<string, number> }> {
  const { folder } = options;
  const files = await readFolder(options.userId, folder);
  const id = options.template ?? detectTemplate(files);
  if (!id) {
    throw new KilnError(
      "VALIDATION_ERROR",
      `template: Kiln cannot tell which template the files of ${folderLabel(folder)} run on (it looks for pages/index.tsx, app.vue, index.js, index.html, app.py or script.py at the top of the folder); name one`,
      { details: { field: "template" } },
    );
  }
  const template = getTemplate(id)!;
  const entry = files.find((file) => file.path === template.entryFile);
  if (!entry) {
    throw new KilnError(
      "VALIDATION_ERROR",
      `template: ${template.name} starts from ${template.entryFile}, which is not in ${folderLabel(folder)}`,
      { details: { field: "template" } },
    );
  }
  const parsed = fragmentSchema.safeParse({
    commentary: `Opened from ${folderLabel(folder)}.`,
    template: id,
    title: folder === "" ? "Workspace" : baseName(folder),
    description: `The files of ${folderLabel(folder)}.`,
    additional_dependencies: [],
    has_additional_dependencies: false,
    install_dependencies_command: "",
    port: template.port,
    file_path: entry.path,
    code: entry.content,
    files: files
      .filter((file) => file !== entry)
      .map((file) => ({ file_path: file.path, code: file.content })),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.join(".");
    throw new KilnError(
      "VALIDATION_ERROR",
      `The files of ${folderLabel(folder)} do not make an app${at ? ` (${at}: ${issue?.message})` : ""}`,
      { details: { field: "path" } },
    );
  }
  return {
    fragment: parsed.data,
    versions: Object.fromEntries(files.map((file) => [file.path, file.version])),
  };
}
