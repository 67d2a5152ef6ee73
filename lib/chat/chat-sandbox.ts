import "server-only";
import { KilnError } from "@/lib/errors";
import { deleteSandbox, endSandbox } from "@/lib/sandbox/open-sandbox";
import { runFragment } from "@/lib/sandbox/run-fragment";
import { getSandbox } from "@/lib/sandbox/sandboxes";
import { deleteChat, getChat, setChatSandbox } from "./chats";

// A chat keeps one sandbox: its fragments run there, run after run, across reloads and chat
// switches. A fragment of another template gets a new sandbox and the old one is stopped, so a
// chat never holds more than one; deleting the chat stops it.

type RunOptions = Parameters<typeof runFragment>[0];

/** POST /api/sandbox with a chatId: runs in the chat's sandbox (or sbxId), kept on the chat. */
export async function runChatFragment(options: RunOptions & { chatId: string }) {
  const { chatId, ...run } = options;
  const chat = await getChat(run.userId, chatId);
  const keep = async (sbxId: string) => {
    if (sbxId !== chat.sbxId) await setChatSandbox(chatId, sbxId);
  };
  if (run.sbxId || !chat.sbxId) return runFragment({ ...run, onSandbox: keep });
  const kept = await reusable(run.userId, chat.sbxId, run.fragment.template);
  try {
    return await runFragment({ ...run, sbxId: kept, onSandbox: keep });
  } catch (error) {
    // The provider lost the sandbox since its row was read: the chat gets a new one.
    if (!kept || !(error instanceof KilnError) || error.reason !== "sandbox_gone") throw error;
    return runFragment({ ...run, onSandbox: keep });
  }
}

/** The chat's sandbox if it is live and runs this template; a live one of another is stopped. */
async function reusable(userId: string, sbxId: string, template: string) {
  const row = await getSandbox(userId, sbxId);
  if (row.status !== "running" || Date.parse(row.expiresAt) <= Date.now()) return undefined;
  if (row.template === template) return row.id;
  await endSandbox(row, "stopped");
  return undefined;
}

/** DELETE /api/chats/:id: the chat and its messages go, and its sandbox is stopped. */
export async function deleteChatAndSandbox(userId: string, chatId: string): Promise<void> {
  const sbxId = await deleteChat(userId, chatId);
  if (sbxId) await deleteSandbox(userId, sbxId);
}
