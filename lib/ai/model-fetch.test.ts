import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ModelTimeoutError, withModelTimeouts } from "./model-fetch";

// The two deadlines of a model call, against a server that accepts and then says nothing (or
// only its headers, or part of a body).

let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/silent") return; // accepts, never answers
    res.writeHead(200, { "content-type": "text/event-stream" });
    if (req.url === "/headers-only") return res.flushHeaders();
    if (req.url === "/partial") return res.write("data: {}\n\n");
    res.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const streamed = { method: "POST", body: JSON.stringify({ model: "m", stream: true }) };
const oneShot = { method: "POST", body: JSON.stringify({ model: "m" }) };
const timed = withModelTimeouts(fetch, { firstByteMs: 150, totalMs: 400 });

async function failure(run: () => Promise<unknown>): Promise<ModelTimeoutError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelTimeoutError);
  return error as ModelTimeoutError;
}

test("a streamed call to a server that never answers ends at the first-byte deadline", async () => {
  const error = await failure(() => timed(`${base}/silent`, streamed));
  expect(error.timeout).toBe("first_byte");
  expect(error.message).toMatch(
    /^the model server 127\.0\.0\.1:\d+ sent nothing within 0\.2 s \(KILN_MODEL_FIRST_BYTE_TIMEOUT_MS\)$/,
  );
});

test("headers without a body still count as nothing sent", async () => {
  const response = await timed(`${base}/headers-only`, streamed);
  const error = await failure(() => response.text());
  expect(error.timeout).toBe("first_byte");
});

test("a body that stops half-way ends at the total deadline", async () => {
  const response = await timed(`${base}/partial`, streamed);
  const error = await failure(() => response.text());
  expect(error.timeout).toBe("total");
  expect(error.message).toMatch(/did not finish within 0\.4 s \(KILN_MODEL_TIMEOUT_MS\)$/);
});

test("a call that is not streamed has only the total deadline", async () => {
  const error = await failure(() => timed(`${base}/silent`, oneShot));
  expect(error.timeout).toBe("total");
});

test("an answer in time passes through whole", async () => {
  const response = await timed(`${base}/done`, streamed);
  expect(await response.text()).toBe("data: [DONE]\n\n");
});

test("the caller's own cancel is still a cancel, not a timeout", async () => {
  const cancel = new AbortController();
  const pending = timed(`${base}/silent`, { ...streamed, signal: cancel.signal });
  cancel.abort();
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect((error as Error).name).toBe("AbortError");
});
