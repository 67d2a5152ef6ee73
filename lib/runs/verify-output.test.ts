import { describe, expect, test } from "vitest";
import { OutputBatcher } from "./verify-output";

// Output becomes few events: chunks written close together share one, and the cap is said.

function collector() {
  const payloads: Record<string, unknown>[] = [];
  let notify: () => void = () => {};
  const first = new Promise<void>((resolve) => {
    notify = resolve;
  });
  const emit = async (payload: Record<string, unknown>) => {
    payloads.push(payload);
    notify();
  };
  return { payloads, emit, first };
}

describe("OutputBatcher", () => {
  test("chunks written together are sent as one event once the batch's time is up", async () => {
    const { payloads, emit, first } = collector();
    const batcher = new OutputBatcher("build", emit, { remaining: 10_000 });
    batcher.write("stdout", "compiling a\n");
    batcher.write("stdout", "compiling b\n");
    batcher.write("stdout", "compiling c\n");
    expect(payloads).toEqual([]);
    await first;
    expect(payloads).toEqual([
      { step: "build", stream: "stdout", text: "compiling a\ncompiling b\ncompiling c\n" },
    ]);
    await batcher.close();
    expect(payloads).toHaveLength(1);
  });

  test("a batch of many lines is sent at once, streams apart", async () => {
    const { payloads, emit } = collector();
    const batcher = new OutputBatcher("test", emit, { remaining: 100_000 });
    batcher.write("stderr", "warning\n");
    batcher.write("stdout", Array.from({ length: 100 }, (_, i) => `ok ${i}\n`).join(""));
    // Sent without waiting for the batch's time: both buffers go as the big one fills.
    expect(batcher.events).toBe(2);
    await batcher.close();
    expect(payloads.map((p) => p.stream)).toEqual(["stderr", "stdout"]);
    expect(String(payloads[1]!.text).split("\n")).toHaveLength(101);
  });

  test("the budget is shared: what is over it is counted in a note at the end", async () => {
    const { payloads, emit } = collector();
    const budget = { remaining: 10 };
    const install = new OutputBatcher("install", emit, budget);
    install.write("stdout", "12345678");
    await install.close();
    const build = new OutputBatcher("build", emit, budget);
    build.write("stdout", "abcdef");
    await build.close();
    expect(payloads).toEqual([
      { step: "install", stream: "stdout", text: "12345678" },
      { step: "build", stream: "stdout", text: "ab" },
      {
        step: "build",
        stream: "stderr",
        text: "[output truncated: 4 more characters of build output were not kept]\n",
        truncated: true,
      },
    ]);
  });

  test("an event that could not be written fails the close", async () => {
    const batcher = new OutputBatcher(
      "test",
      async () => {
        throw new Error("event table unavailable");
      },
      { remaining: 100 },
    );
    batcher.write("stdout", "x\n");
    await expect(batcher.close()).rejects.toThrow("event table unavailable");
  });
});
