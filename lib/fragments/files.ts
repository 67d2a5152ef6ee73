// A fragment's files in the order the IDE shows and a sandbox writes them. Browser code reads
// this module too (a fragment still streaming in), so it imports nothing.

interface FileLike {
  file_path?: string | undefined;
  code?: string | undefined;
}

/**
 * Every file of a fragment, the entry first. Duplicate paths resolve as writing the files to
 * disk in order would: `files` in order (the last copy of a path wins), then the entry, so the
 * entry always wins. Each path keeps the position of its first appearance. Of a fragment still
 * being written, files without a path yet are left out and missing code is empty.
 */
export function fragmentFiles(
  fragment: FileLike & { files?: readonly (FileLike | undefined)[] | undefined },
): { file_path: string; code: string }[] {
  const byPath = new Map<string, string>();
  if (fragment.file_path) byPath.set(fragment.file_path, fragment.code ?? "");
  for (const file of fragment.files ?? []) {
    if (file?.file_path && file.file_path !== fragment.file_path) {
      byPath.set(file.file_path, file.code ?? "");
    }
  }
  return [...byPath].map(([file_path, code]) => ({ file_path, code }));
}
