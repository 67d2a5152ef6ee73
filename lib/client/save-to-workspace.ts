import { ApiError, apiFetch } from "./fetch-json";

// A fragment's files into the workspace, in a folder of their own named after the app. A save
// never replaces a file already there (each file is written only if it does not exist yet): when
// the folder is taken, the next free name is used, "app-2", "app-3"...

export async function saveToWorkspace(
  name: string,
  files: { file_path: string; code: string }[],
): Promise<string> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    const folder = attempt === 1 ? name : `${name}-${attempt}`;
    try {
      await apiFetch("/api/files/batch", {
        method: "POST",
        json: {
          files: files.map((f) => ({
            path: `${folder}/${f.file_path}`,
            content: f.code,
            expectedVersion: 0,
          })),
        },
      });
      return folder;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 409) throw error;
    }
  }
  throw new Error(`Folders ${name} to ${name}-20 are all taken in your workspace`);
}
