// The path rules of the workspace: a client's path names a place below the workspace root and
// nothing else. Normalising (NFC, "." parts, repeated and trailing slashes) makes two spellings
// of one place one row; what could mean another place (".." parts, absolute paths, backslashes,
// which Windows clients read as separators) or no place (NUL and other control characters,
// parts over 255 bytes, which no file system stores) is refused. Pure: the IDE may use it too.

export const pathLimits = { partBytes: 255, pathBytes: 4096, depth: 64 } as const;

export type PathCheck = { path: string } | { error: string };

/** The normal form of a workspace path, or why it is refused. "" is the workspace root. */
export function normalizeWorkspacePath(input: string, allowRoot = false): PathCheck {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(input)) {
    return {
      error: input.includes("\0")
        ? "must not contain NUL bytes"
        : "must not contain control characters",
    };
  }
  if (input.includes("\\")) return { error: "must use / between parts, not backslashes" };
  if (input.startsWith("/") || input.startsWith("~")) {
    return { error: "must be relative to the workspace, not absolute" };
  }
  if (hasLoneSurrogate(input)) return { error: "must be well-formed Unicode" };
  const parts = input
    .normalize("NFC")
    .split("/")
    .filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) return { error: 'must not contain ".." parts' };
  if (parts.some((part) => new TextEncoder().encode(part).byteLength > pathLimits.partBytes)) {
    return { error: `must have no part between slashes longer than ${pathLimits.partBytes} bytes` };
  }
  if (parts.length > pathLimits.depth) {
    return { error: `must be at most ${pathLimits.depth} directories deep` };
  }
  const path = parts.join("/");
  if (new TextEncoder().encode(path).byteLength > pathLimits.pathBytes) {
    return { error: `must be at most ${pathLimits.pathBytes} bytes long` };
  }
  if (path === "" && !allowRoot)
    return { error: "must name a file or directory, not the workspace root" };
  return { path };
}

/** The last part of a normal path ("" for the root). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The directory holding a normal path: "" at the top level. */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

/** Every directory above a normal path, outermost first, without the root. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1))
    out.push(path.slice(0, i));
  return out;
}

/** Whether `path` is `dir` or lies below it. */
export function isWithin(path: string, dir: string): boolean {
  return dir === "" || path === dir || path.startsWith(`${dir}/`);
}

/** Whether text holds half of a UTF-16 pair alone, which no UTF-8 can carry. */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
