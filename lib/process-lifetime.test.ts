import type { IncomingMessage } from "node:http";
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
