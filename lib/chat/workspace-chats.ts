import "server-only";
import { getDb } from "@/lib/db/client";
import type { Queryable } from "@/lib/db/types";
import { notFound } from "@/lib/errors";
import type { Fragment } from "@/lib/fragments/schema";
import { prefixedId } from "@/lib/ids";

// Chats opened on a folder of the workspace (lib/workspace-apps): the folder, and the version of
// each of its files the chat's app started from or was last saved back at.

/**
 * A chat on a folder of the workspace: its first request, and the folder's files as the app
 * its later requests edit; `versions` are the files' versions, for saving back.
 */
export async function createWorkspaceChat(options: {
  id: string;
  userId: string;
  title: string;
  request: string;
  fragment: Fragment;
  folder: string;
  versions: Record<string, number>;
}): Promise<void> {
  const db = await getDb();
  await db.transaction(async (tx) => {
    await tx.query(
      `insert into chats (id, user_id, title, template, workspace_path, workspace_versions)
       values ($1, $2, $3, $4, $5, $6)`,
      [
        options.id,
        options.userId,
        options.title,
        options.fragment.template,
        options.folder,
        JSON.stringify(options.versions),
      ],
    );
    await tx.query(
      `insert into chat_messages (id, chat_id, role, content, fragment)
       values ($1, $3, 'user', $4, null), ($2, $3, 'assistant', $5, $6)`,
      [
        prefixedId("msg"),
        prefixedId("msg"),
        options.id,
        options.request,
        options.fragment.commentary,
        JSON.stringify(options.fragment),
      ],
    );
  });
}

/** The workspace folder a chat the caller owns was opened on (null if none), and its sandbox. */
export async function getWorkspaceSource(
  userId: string,
  chatId: string,
): Promise<{ folder: string | null; sbxId: string | null }> {
  const db = await getDb();
  const [row] = await db.query<{ workspace_path: string | null; sbx_id: string | null }>(
    "select workspace_path, sbx_id from chats where id = $1 and user_id = $2",
    [chatId, userId],
  );
  if (!row) throw notFound("Chat");
  return { folder: row.workspace_path, sbxId: row.sbx_id };
}

/** A chat's recorded workspace versions, its row held until the transaction `tx` ends. */
export async function holdWorkspaceVersions(
  tx: Queryable,
  chatId: string,
): Promise<Record<string, number>> {
  const [row] = await tx.query<{ workspace_versions: Record<string, number> | null }>(
    "select workspace_versions from chats where id = $1 for update",
    [chatId],
  );
  return row?.workspace_versions ?? {};
}

/** The versions a chat's next save back starts from, in the save's transaction `tx`. */
export async function setWorkspaceVersions(
  tx: Queryable,
  chatId: string,
  versions: Record<string, number>,
): Promise<void> {
  await tx.query("update chats set workspace_versions = $2 where id = $1", [
    chatId,
    JSON.stringify(versions),
  ]);
}
