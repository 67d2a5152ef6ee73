import { z } from "zod";
import { defineContract } from "@/lib/route-contract";
import { filesResultSchema, runFragmentResultSchema, terminalResultSchema } from "./result-schemas";
import {
  commandParamsSchema,
  createSandboxBodySchema,
  filesQuerySchema,
  sandboxListSchema,
  sandboxParamsSchema,
  sandboxSchema,
  terminalBodySchema,
  writeFilesBodySchema,
} from "./schemas";

export const runFragmentContract = defineContract({
  method: "POST",
  path: "/api/sandbox",
  summary:
    "Run a fragment in a sandbox: a new one, or yours given as sbxId (same template). With chatId (a chat of yours), in the sandbox the chat keeps: made when it has none, replaced (the old one stopped) when the template changes, and kept on the chat. Code-interpreter fragments answer with stdout, stderr, runtimeError and cellResults; web fragments with the url of their live preview. With Accept: text/event-stream, streams progress, output, then a result event (or error).",
  tags: ["sandbox"],
  auth: "user",
  body: createSandboxBodySchema,
  response: runFragmentResultSchema,
});

export const listSandboxesContract = defineContract({
  method: "GET",
  path: "/api/sandbox",
  summary:
    "Your running sandboxes, oldest first, each with the chat that keeps it (chatId and chatTitle, null for none).",
  tags: ["sandbox"],
  auth: "user",
  response: sandboxListSchema,
});

export const getSandboxContract = defineContract({
  method: "GET",
  path: "/api/sandbox/{id}",
  summary: "One of your sandboxes: template, provider, status, working directory and expiry.",
  tags: ["sandbox"],
  auth: "user",
  params: sandboxParamsSchema,
  response: sandboxSchema,
});

export const deleteSandboxContract = defineContract({
  method: "DELETE",
  path: "/api/sandbox/{id}",
  summary: "Stop a sandbox and remove its files.",
  tags: ["sandbox"],
  auth: "user",
  params: sandboxParamsSchema,
  response: z.object({ id: z.string(), deleted: z.literal(true) }),
});

export const writeFilesContract = defineContract({
  method: "POST",
  path: "/api/sandbox/{id}/files",
  summary: "Write files into the sandbox's workspace (paths inside /workspace).",
  tags: ["sandbox"],
  auth: "user",
  params: sandboxParamsSchema,
  body: writeFilesBodySchema,
  response: z.object({ files: z.array(z.string()) }),
});

export const readFilesContract = defineContract({
  method: "GET",
  path: "/api/sandbox/{id}/files",
  summary: "Read a file (up to 1 MiB of UTF-8) or list a directory of the sandbox's workspace.",
  tags: ["sandbox"],
  auth: "user",
  params: sandboxParamsSchema,
  query: filesQuerySchema,
  response: filesResultSchema,
});

export const terminalContract = defineContract({
  method: "POST",
  path: "/api/terminal",
  summary:
    "Run a shell command in your sandbox, in workingDirectory or where the last command left off (a cd carries over). With Accept: text/event-stream, streams start (commandId), stdout and stderr as they happen, then exit (commandId, exitCode, workingDirectory, limit).",
  tags: ["terminal"],
  auth: "user",
  body: terminalBodySchema,
  response: terminalResultSchema,
});

export const stopCommandContract = defineContract({
  method: "DELETE",
  path: "/api/terminal/{commandId}",
  summary: "Stop a streamed command of yours that is still running.",
  tags: ["terminal"],
  auth: "user",
  params: commandParamsSchema,
  response: z.object({ commandId: z.string(), stopped: z.literal(true) }),
});
