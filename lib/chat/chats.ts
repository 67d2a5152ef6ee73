import "server-only";
import { getDb } from "@/lib/db/client";
import { notFound } from "@/lib/errors";
import type { Fragment } from "@/lib/fragments/schema";
import { prefixedId } from "@/lib/ids";
import { capitalise } from "@/lib/text";
import type { ChatMessage, ChatSummary } from "./schemas";

// Chats belong to one user; every read and write is filtered by the owner, so another user's
// chat id is indistinguishable from one that does not exist.

interface ChatRow {
  id: string;
  title: string;
  template: string | null;
  model: string | null;
  sbx_id: string | null;
  workspace_path: string | null;
  created_at: Date;
  updated_at: Date;
}

const summaryColumns = "id, title, template, model, sbx_id, workspace_path, created_at, updated_at";

interface MessageRow {
  id: string;
  role: "user" | "assistant";
  content: string;
  fragment: Fragment | null;
  status: "complete" | "failed";
  error: string | null;
  created_at: Date;
}

const iso = (d: Date) => new Date(d).toISOString();
const toSummary = (r: ChatRow): ChatSummary => ({
  id: r.id,
  title: r.title,
  template: r.template,
  model: r.model,
  sbxId: r.sbx_id,
  workspacePath: r.workspace_path,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});
const toMessage = (r: MessageRow): ChatMessage => ({
  id: r.id,
  role: r.role,
  content: r.content,
  fragment: r.fragment,
  status: r.status,
  error: r.error,
  createdAt: iso(r.created_at),
});

/** A chat's title: the start of its first request, on one line. */
export function titleFrom(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line || "New chat";
}

/** A new chat and its first message, in one statement. */
export async function createChatWithMessage(options: {
  id: string;
  userId: string;
  title: string;
  template?: string | null;
  model?: string | null;
  content: string;
}): Promise<void> {
  const db = await getDb();
  await db.query(
    `with chat as (
       insert into chats (id, user_id, title, template, model) values ($1, $2, $3, $4, $5)
       returning id
     )
     insert into chat_messages (id, chat_id, role, content)
     select $6, id, 'user', $7 from chat`,
    [
      options.id,
      options.userId,
      options.title,
      options.template ?? null,
      options.model ?? null,
      prefixedId("msg"),
      options.content,
    ],
  );
}

export async function getChat(userId: string, chatId: string): Promise<ChatSummary> {
  const db = await getDb();
  const [row] = await db.query<ChatRow>(
    `select ${summaryColumns} from chats where id = $1 and user_id = $2`,
    [chatId, userId],
  );
  if (!row) throw notFound("Chat");
  return toSummary(row);
}

export async function listChats(
  userId: string,
  options: { limit: number; offset: number },
): Promise<{ chats: ChatSummary[]; total: number }> {
  const db = await getDb();
  const [rows, [count]] = await Promise.all([
    db.query<ChatRow>(
      `select ${summaryColumns} from chats
        where user_id = $1 order by updated_at desc, id limit $2 offset $3`,
      [userId, options.limit, options.offset],
    ),
    db.query<{ n: number }>("select count(*)::int as n from chats where user_id = $1", [userId]),
  ]);
  return { chats: rows.map(toSummary), total: count?.n ?? 0 };
}

/** The newest app of a chat the caller owns: its last finished fragment, if it has one. */
export async function latestApp(userId: string, chatId: string): Promise<Fragment | undefined> {
  const messages = await getMessages(userId, chatId);
  return messages.findLast((m) => m.role === "assistant" && m.status === "complete" && m.fragment)
    ?.fragment as Fragment | undefined;
}

export async function getMessages(userId: string, chatId: string): Promise<ChatMessage[]> {
  await getChat(userId, chatId);
  const db = await getDb();
  const rows = await db.query<MessageRow>(
    `select id, role, content, fragment, status, error, created_at from chat_messages
      where chat_id = $1 order by seq`,
    [chatId],
  );
  return rows.map(toMessage);
}

export async function renameChat(options: {
  userId: string;
  chatId: string;
  title: string;
}): Promise<ChatSummary> {
  const db = await getDb();
  const [row] = await db.query<ChatRow>(
    `update chats set title = $3 where id = $1 and user_id = $2
     returning ${summaryColumns}`,
    [options.chatId, options.userId, options.title],
  );
  if (!row) throw notFound("Chat");
  return toSummary(row);
}

/** Deletes a chat the caller owns; answers the sandbox it kept, for the caller to stop. */
export async function deleteChat(userId: string, chatId: string): Promise<string | null> {
  const db = await getDb();
  const rows = await db.query<{ sbx_id: string | null }>(
    "delete from chats where id = $1 and user_id = $2 returning sbx_id",
    [chatId, userId],
  );
  if (rows.length === 0) throw notFound("Chat");
  return rows[0]?.sbx_id ?? null;
}

/** Links a chat the caller owns to the sandbox its fragments now run in. */
export async function setChatSandbox(chatId: string, sbxId: string): Promise<void> {
  const db = await getDb();
  await db.query("update chats set sbx_id = $2 where id = $1", [chatId, sbxId]);
}

/** Appends a message to a chat the caller has already been checked to own. */
export async function appendMessage(
  chatId: string,
  message: {
    id?: string;
    role: "user" | "assistant";
    content: string;
    fragment?: Fragment | null;
    status?: "complete" | "failed";
    error?: string | null;
    model?: string | null;
  },
): Promise<ChatMessage> {
  const db = await getDb();
  // One statement (it is on the path to the first streamed byte): the message, and the chat's
  // activity time, model and template.
  const [row] = await db.query<MessageRow>(
    `with touched as (
       update chats set updated_at = now(), model = coalesce($8, model),
              template = coalesce($9, template)
        where id = $2
     )
     insert into chat_messages (id, chat_id, role, content, fragment, status, error)
     values ($1, $2, $3, $4, $5, $6, $7)
     returning id, role, content, fragment, status, error, created_at`,
    [
      message.id ?? prefixedId("msg"),
      chatId,
      message.role,
      message.content,
      message.fragment ? JSON.stringify(message.fragment) : null,
      message.status ?? "complete",
      message.error ?? null,
      message.model ?? null,
      message.fragment?.template ?? null,
    ],
  );
  return toMessage(row as MessageRow);
}

/**
 * The model's answer in a turn of a chat the caller owns: the fragment it wrote, or the reason
 * there is none (kept as a failed message, so the chat shows what went wrong).
 */
export function appendAnswer(
  chatId: string,
  answer: {
    id?: string;
    model: string;
    outcome: { ok: true; fragment: Fragment } | { ok: false; reason: string };
  },
): Promise<ChatMessage> {
  const { outcome } = answer;
  return appendMessage(chatId, {
    id: answer.id,
    role: "assistant",
    content: outcome.ok ? outcome.fragment.commentary : "",
    fragment: outcome.ok ? outcome.fragment : null,
    status: outcome.ok ? "complete" : "failed",
    error: outcome.ok ? null : capitalise(outcome.reason),
    model: answer.model,
  });
}
