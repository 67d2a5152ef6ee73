import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText } from "ai";
import { afterAll, beforeAll, expect, test } from "vitest";
import { withOpaqueErrors } from "./opaque-errors";

// Whatever a client's model server answers, none of its words reach the caller: an internal page
// behind a base URL cannot be read through Kiln's errors.

const secret = "INTERNAL-ONLY: db password hunter2";
let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.includes("status")) {
      res.writeHead(403, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: { message: secret } }));
    }
    if (req.url?.includes("stream")) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      return res.end(`data: ${JSON.stringify({ page: secret })}\n\n`);
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ page: secret }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const model = (path: string) => {
  const baseURL = `${base}/${path}`;
  return withOpaqueErrors(createOpenAI({ baseURL, apiKey: "k" }).chat("m"), baseURL);
};
const host = () => new URL(base).host;

test("an error status is told by number and a generic reason", async () => {
  const error = await generateText({ model: model("status"), prompt: "x", maxRetries: 0 }).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error?.message).toBe(`the model server ${host()} answered HTTP 403 (it refused access)`);
  expect(JSON.stringify(error)).not.toContain("hunter2");
});

test("a 200 that is not a model's answer says only that", async () => {
  const error = await generateText({ model: model("page"), prompt: "x", maxRetries: 0 }).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error?.message).toBe(
    `the model server ${host()} did not answer as an OpenAI-compatible server does`,
  );
});

test("a stream of something else fails the same way, quoting nothing", async () => {
  const result = streamText({ model: model("stream"), prompt: "x", maxRetries: 0, onError() {} });
  const errors: unknown[] = [];
  for await (const part of result.fullStream) if (part.type === "error") errors.push(part.error);
  expect(errors.map((e) => (e as Error).message)).toEqual([
    `the model server ${host()} did not answer as an OpenAI-compatible server does`,
  ]);
});
