import { defineContract } from "@/lib/route-contract";
import { runFragmentResultSchema } from "@/lib/sandbox/result-schemas";
import {
  chatParamsSchema,
  folderAppBodySchema,
  openedChatSchema,
  saveChatBodySchema,
  savedFolderSchema,
  saveSandboxBodySchema,
} from "./schemas";

const asApp =
  "The folder's text files become an app (a fragment) on the template its entry file shows (pages/index.tsx: Next.js, app.vue: Vue, index.js: Node.js, index.html: static, app.py: Streamlit or Gradio by its import, script.py: Python), or on `template`; node_modules, .git and build output are left out. 400 for binary files or no entry file, 413 past a fragment's limits (50 files, 200 KB each, 1 MB in all), 404 for an empty folder.";
const saving =
  "Each file is written only when its content differs from the folder's, and only while the folder's file is still at the version the copy started from (a new file: while there is none): otherwise 409 naming every such file, and nothing is written. Files that were removed from the copy are left in the folder.";

export const runFolderContract = defineContract({
  method: "POST",
  path: "/api/files/run",
  summary: `Run a folder of your workspace (or all of it) in a new sandbox; answers as POST /api/sandbox does. ${asApp}`,
  tags: ["files"],
  auth: "user",
  body: folderAppBodySchema,
  response: runFragmentResultSchema,
});

export const openFolderChatContract = defineContract({
  method: "POST",
  path: "/api/files/chat",
  summary: `Start a chat on a folder of your workspace (or all of it): its files become the chat's app, which the next message to the chat edits (POST /api/chat/morph-chat with chatId) and POST /api/chats/{id}/workspace saves back. ${asApp}`,
  tags: ["files"],
  auth: "user",
  body: folderAppBodySchema,
  response: openedChatSchema,
  status: 201,
});

export const saveSandboxToFolderContract = defineContract({
  method: "POST",
  path: "/api/files/from-sandbox",
  summary: `Save a sandbox's files into a workspace folder: everything under its workspace but installed packages, caches and build output (node_modules, .next, dist, …), as text. Binary files are listed in skippedBinary, not saved. With expectedVersions: ${saving}`,
  tags: ["files"],
  auth: "user",
  body: saveSandboxBodySchema,
  response: savedFolderSchema,
});

export const saveChatToFolderContract = defineContract({
  method: "POST",
  path: "/api/chats/{id}/workspace",
  summary: `Save a chat opened on a workspace folder (POST /api/files/chat) back into that folder: its newest app, or with source "sandbox" the files of its sandbox. ${saving} 409 for a chat not opened on a folder.`,
  tags: ["files"],
  auth: "user",
  params: chatParamsSchema,
  body: saveChatBodySchema,
  response: savedFolderSchema,
});
