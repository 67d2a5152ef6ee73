import type { IncomingMessage, ServerResponse } from "node:http";
import { Duplex } from "node:stream";
import { expect, test, vi } from "vitest";

// Module instances of one process (server.ts's and Next's bundle's, or a reloaded module) share
// one state; a fresh import stands in for the other instance.
async function freshInstance() {
  vi.resetModules();
  return import("./process-lifetime");
}

test("a slot is made once per process and shared by every module instance", async () => {
  const first = await freshInstance();
  const second = await freshInstance();
  expect(first).not.toBe(second);
  const made = first.processSlot("test-slot", () => new Map<string, number>());
  made.set("a", 1);
  const init = vi.fn(() => new Map<string, number>());
  expect(second.processSlot("test-slot", init)).toBe(made);
  expect(init).not.toHaveBeenCalled();
});

test("an upgrade goes to the first handler that takes it, across module instances", async () => {
  const registering = await freshInstance();
  const serving = await freshInstance();
  const request = { url: "/api/sandbox/x/preview/t/" } as IncomingMessage;
  const socket = new Duplex();
  const seen: string[] = [];
  registering.onUpgrade("declines", () => {
    seen.push("declines");
    return false;
  });
  registering.onUpgrade("takes", () => {
    seen.push("takes");
    return true;
  });
  expect(serving.handleUpgrade(request, socket, Buffer.alloc(0))).toBe(true);
  expect(seen).toEqual(["declines", "takes"]);

  registering.onUpgrade("takes", () => false);
  expect(serving.handleUpgrade(request, socket, Buffer.alloc(0))).toBe(false);
});

test("shutdown waits for all its work, runs it once, and a failure does not stop the rest", async () => {
  const registering = await freshInstance();
  const serving = await freshInstance();
  const errors = vi.spyOn(console, "error").mockImplementation(() => {});
  let finish: () => void = () => {};
  const slow = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
  const failing = vi.fn(async () => {
    throw new Error("disk gone");
  });
  registering.onShutdown("slow", slow);
  registering.onShutdown("failing", failing);

  let isDone = false;
  const done = serving.shutdown().then(() => (isDone = true));
  expect(serving.shutdown()).toBe(registering.shutdown());
  await vi.waitFor(() => expect(failing).toHaveBeenCalledTimes(1));
  await failing.mock.results[0]?.value.catch(() => {});
  expect(isDone).toBe(false);
  finish();
  await done;
  expect(slow).toHaveBeenCalledTimes(1);
  const line = JSON.parse(String(errors.mock.calls[0]?.[0]));
  expect(line).toMatchObject({ level: "error", work: "failing", error: "disk gone" });
  errors.mockRestore();
});

test("a preview host's request and upgrade go to the preview handlers alone, else 404", async () => {
  const registering = await freshInstance();
  const serving = await freshInstance();
  const written: string[] = [];
  const socket = new Duplex({
    write: (chunk, _encoding, done) => {
      written.push(String(chunk));
      done();
    },
  });
  serving.handlePreviewUpgrade({} as IncomingMessage, socket, Buffer.alloc(0), "abc");
  expect(written.join("")).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);

  const seen: string[] = [];
  registering.onUpgrade("general", () => {
    seen.push("general");
    return true;
  });
  registering.onPreviewHost({
    request: (_request, _response, label) => seen.push(`request ${label}`),
    upgrade: (_request, _socket, _head, label) => seen.push(`upgrade ${label}`),
  });
  serving.handlePreviewUpgrade({} as IncomingMessage, new Duplex(), Buffer.alloc(0), "abc");
  serving.handlePreviewRequest({} as IncomingMessage, {} as ServerResponse, "def");
  expect(seen).toEqual(["upgrade abc", "request def"]);
});
