import "server-only";
import { latestApp } from "@/lib/chat/chats";
import {
  createWorkspaceChat,
  getWorkspaceSource,
  holdWorkspaceVersions,
  setWorkspaceVersions,
} from "@/lib/chat/workspace-chats";
import { KilnError } from "@/lib/errors";
import { fileLimits } from "@/lib/files/file-rows";
import { folderLabel, fragmentFromFolder, isGenerated } from "@/lib/files/folder-fragment";
import { normalizeWorkspacePath } from "@/lib/files/paths";
import { saveToFolder } from "@/lib/files/save-to-folder";
import { batchLimit } from "@/lib/files/schemas";
import { fragmentFiles } from "@/lib/fragments/schema";
import { prefixedId } from "@/lib/ids";
import { runFragment } from "@/lib/sandbox/run-fragment";
import { readSandboxTree } from "@/lib/sandbox/sandbox-tree";
import type { FolderAppBody, SaveChatBody, SavedFolderResult, SaveSandboxBody } from "./schemas";

// The workspace, sandboxes and chats meeting: a folder runs in a sandbox, or opens in a chat
// whose model edits it; what the chat or a sandbox made of it goes back into the folder, never
// over a change made there in the meantime (lib/files/save-to-folder.ts).

/** POST /api/files/run. */
export async function runFolder(options: {
  userId: string;
  body: FolderAppBody;
  origin: string;
  signal?: AbortSignal;
}) {
  const { fragment } = await fragmentFromFolder({
    userId: options.userId,
    folder: options.body.path,
    template: options.body.template,
  });
  return runFragment({
    userId: options.userId,
    fragment,
    origin: options.origin,
    signal: options.signal,
  });
}

/** POST /api/files/chat. */
export async function openFolderInChat(options: { userId: string; body: FolderAppBody }) {
  const folder = options.body.path;
  const { fragment, versions } = await fragmentFromFolder({
    userId: options.userId,
    folder,
    template: options.body.template,
  });
  const chatId = prefixedId("chat");
  await createWorkspaceChat({
    id: chatId,
    userId: options.userId,
    title: folder === "" ? "Workspace" : folder,
    request: `Open ${folderLabel(folder)}.`,
    fragment,
    folder,
    versions,
  });
  return { chatId, path: folder, fragment };
}

/**
 * Refuses files whose names the workspace would not keep as they are below `folder`: the
 * workspace keeps names in one spelling (NFC, no "~" in front, at most 64 deep), and a file
 * written under another would be one no request to the workspace reaches. A sandbox's or a
 * model's names follow looser rules than the workspace's, so both are checked here.
 */
function checkNames(folder: string, files: { path: string }[], from: string) {
  for (const file of files) {
    const wanted = folder === "" ? file.path : `${folder}/${file.path}`;
    const check = normalizeWorkspacePath(wanted);
    if ("error" in check || check.path !== wanted) {
      throw new KilnError(
        "VALIDATION_ERROR",
        `${from} file ${JSON.stringify(file.path.slice(0, 200))} has a name the workspace does not take${"error" in check ? `: ${check.error}` : " (it spells names in Unicode's composed form, NFC)"}`,
        { details: { path: file.path.slice(0, 200) } },
      );
    }
  }
}

/** A sandbox's files, as workspace paths below `folder` must be. */
async function sandboxFiles(userId: string, sbxId: string, folder: string) {
  const { files, binary } = await readSandboxTree({
    userId,
    sbxId,
    isSkipped: isGenerated,
    maxFiles: batchLimit,
    maxFileBytes: fileLimits().fileBytes,
  });
  if (files.length === 0) {
    throw new KilnError("NOT_FOUND", `Sandbox ${sbxId} holds no files to save`);
  }
  checkNames(folder, files, "The sandbox's");
  return { files, binary };
}

/** POST /api/files/from-sandbox. */
export async function saveSandboxToFolder(options: {
  userId: string;
  body: SaveSandboxBody;
}): Promise<SavedFolderResult> {
  const { userId, body } = options;
  const { files, binary } = await sandboxFiles(userId, body.sbxId, body.path);
  const saved = await saveToFolder({
    userId,
    folder: body.path,
    files,
    versions: body.expectedVersions,
  });
  return { ...saved, skippedBinary: binary };
}

/** POST /api/chats/:id/workspace. */
export async function saveChatToFolder(options: {
  userId: string;
  chatId: string;
  body: SaveChatBody;
}): Promise<SavedFolderResult> {
  const { userId, chatId } = options;
  const { folder, sbxId } = await getWorkspaceSource(userId, chatId);
  if (folder === null) {
    throw new KilnError(
      "CONFLICT",
      "This chat was not opened on a workspace folder, so it has no folder to save back to: keep its files with To workspace (POST /api/files/batch)",
    );
  }
  let files: { path: string; content: string }[];
  let binary: string[] = [];
  if (options.body.source === "sandbox") {
    if (!sbxId) {
      throw new KilnError("CONFLICT", "This chat has no sandbox yet: run its app first");
    }
    ({ files, binary } = await sandboxFiles(userId, sbxId, folder));
  } else {
    const app = await latestApp(userId, chatId);
    if (!app) throw new KilnError("CONFLICT", "This chat has no app to save");
    files = fragmentFiles(app).map((file) => ({ path: file.file_path, content: file.code }));
    checkNames(folder, files, "The app's");
  }
  const saved = await saveToFolder({
    userId,
    folder,
    files,
    // Read and recorded inside the save: two saves of this chat at once stay in order.
    versions: (tx) => holdWorkspaceVersions(tx, chatId),
    onSaved: (tx, versions) => setWorkspaceVersions(tx, chatId, versions),
  });
  return { ...saved, skippedBinary: binary };
}
