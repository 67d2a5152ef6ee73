import { afterEach, describe, expect, test, vi } from "vitest";
import { KilnError } from "@/lib/errors";
import { encodeFrame, eventStream, type SseWriter, sseFrame } from "./sse";

// The exact bytes on the wire: what any EventSource or SSE parser downstream must read.

function post(signal?: AbortSignal) {
  return new Request("http://kiln.test/api/terminal", { method: "POST", signal });
}

/** Reads the body as it arrives; `bytes()` is everything so far, `ended` settles at its end. */
function reading(response: Response) {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  const ended = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      chunks.push(value);
    }
  })();
  return {
    reader,
    ended,
    bytes: () => Buffer.concat(chunks),
    text: () => Buffer.concat(chunks).toString("utf8"),
  };
}

/** A `produce` that hands out its writer and runs until told to finish. */
function held() {
  let finish!: (error?: unknown) => void;
  let writer!: SseWriter;
  const done = new Promise<void>((resolve, reject) => {
    finish = (error) => (error === undefined ? resolve() : reject(error));
  });
  const produce = vi.fn(async (w: SseWriter) => {
    writer = w;
    await done;
  });
  return { produce, finish, writer: () => writer };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("sseFrame", () => {
  test("event, then one data line of JSON, then a blank line", () => {
    expect(sseFrame("progress", { step: "install", done: 2 })).toBe(
      'event: progress\ndata: {"step":"install","done":2}\n\n',
    );
  });

  test("an id comes first, as its own line", () => {
    expect(sseFrame("stdout", { text: "hi" }, "cmd_1:42")).toBe(
      'id: cmd_1:42\nevent: stdout\ndata: {"text":"hi"}\n\n',
    );
  });

  test("line breaks in the data stay inside one escaped data line; undefined is null", () => {
    expect(sseFrame("stdout", { text: "a\nb\r\nc" })).toBe(
      'event: stdout\ndata: {"text":"a\\nb\\r\\nc"}\n\n',
    );
    expect(sseFrame("end", undefined)).toBe("event: end\ndata: null\n\n");
  });

  test("an event name or id with a line break is refused, not written as extra fields", () => {
    expect(() => sseFrame("a\ndata: injected", {})).toThrow(/single lines/);
    expect(() => sseFrame("a", {}, "1\rretry: 0")).toThrow(/single lines/);
  });
});

describe("eventStream", () => {
  test("the whole body, byte for byte: an opening comment, each frame, then the end", async () => {
    const response = eventStream(post(), async (events) => {
      events.send("start", { commandId: "cmd_1" });
      events.send("stdout", { text: "héllo ✓\n" }, { id: "1" });
      events.send("exit", { exitCode: 0 });
    });
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toEqual({
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    const body = reading(response);
    await body.ended;
    const expected =
      ": stream open\n\n" +
      'event: start\ndata: {"commandId":"cmd_1"}\n\n' +
      'id: 1\nevent: stdout\ndata: {"text":"héllo ✓\\n"}\n\n' +
      'event: exit\ndata: {"exitCode":0}\n\n';
    expect(body.bytes().equals(Buffer.from(expected, "utf8"))).toBe(true);
    expect(body.text()).toBe(expected);
  });

  test("frames given as bytes and as text keep their order, and shared bytes reach every client", async () => {
    const shared = encodeFrame(sseFrame("log", { line: "é" }, "7"));
    const streamOf = () =>
      reading(
        eventStream(post(), async (events) => {
          events.send("start", {});
          events.sendFrame(shared);
          events.sendFrame("event: text\ndata: 1\n\n");
          events.sendFrame(shared);
        }),
      );
    const [first, second] = [streamOf(), streamOf()];
    await Promise.all([first.ended, second.ended]);
    const expected =
      ": stream open\n\n" +
      "event: start\ndata: {}\n\n" +
      'id: 7\nevent: log\ndata: {"line":"é"}\n\n' +
      "event: text\ndata: 1\n\n" +
      'id: 7\nevent: log\ndata: {"line":"é"}\n\n';
    expect(first.text()).toBe(expected);
    expect(second.text()).toBe(expected);
  });

  test("the caller's headers are kept beside the stream's own", async () => {
    const response = eventStream(post(), async () => {}, {
      headers: new Headers({ "x-request-id": "req-1", "content-type": "text/plain" }),
    });
    expect(response.headers.get("x-request-id")).toBe("req-1");
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    await reading(response).ended;
  });

  test("a heartbeat comment every 15 s while the producer is quiet, and none after the end", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const producer = held();
    const body = reading(eventStream(post(), producer.produce));
    await vi.advanceTimersByTimeAsync(14_999);
    expect(body.text()).toBe(": stream open\n\n");
    await vi.advanceTimersByTimeAsync(1);
    expect(body.text()).toBe(": stream open\n\n: keep-alive\n\n");
    producer.writer().send("tick", 1);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(body.text()).toBe(
      ": stream open\n\n: keep-alive\n\nevent: tick\ndata: 1\n\n: keep-alive\n\n",
    );
    producer.finish();
    await body.ended;
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a KilnError ends the stream with an error event carrying its status and reason", async () => {
    const body = reading(
      eventStream(post(), async (events) => {
        events.send("progress", { step: "create" });
        throw new KilnError("SERVICE_UNAVAILABLE", "No model is configured", {
          reason: "model_not_configured",
        });
      }),
    );
    await body.ended;
    expect(body.text()).toBe(
      ": stream open\n\n" +
        'event: progress\ndata: {"step":"create"}\n\n' +
        'event: error\ndata: {"error":true,"message":"No model is configured","status":503,"code":"model_not_configured"}\n\n',
    );
  });

  test("any other failure is a generic error event; the error itself goes to onUnexpected", async () => {
    const failure = new Error("password=hunter2 at db.internal");
    const onUnexpected = vi.fn();
    const body = reading(
      eventStream(
        post(),
        async () => {
          throw failure;
        },
        { onUnexpected },
      ),
    );
    await body.ended;
    expect(body.text()).toBe(
      ": stream open\n\n" +
        'event: error\ndata: {"error":true,"message":"Internal server error","status":500}\n\n',
    );
    expect(onUnexpected).toHaveBeenCalledExactlyOnceWith(failure);
  });

  test("when the client goes, the stream ends at once, the producer is told, and what it sends later is dropped", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const client = new AbortController();
    const producer = held();
    const body = reading(eventStream(post(client.signal), producer.produce));
    await vi.advanceTimersByTimeAsync(0);
    const writer = producer.writer();
    writer.send("stdout", { text: "before" });
    expect(writer.closed).toBe(false);

    client.abort();
    await body.ended;
    expect(writer.signal.aborted).toBe(true);
    expect(writer.closed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    // The producer may still be finishing: its sends and its failure reach no one.
    writer.send("stdout", { text: "after" });
    producer.finish(new KilnError("CONFLICT", "stopped"));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(body.text()).toBe(': stream open\n\nevent: stdout\ndata: {"text":"before"}\n\n');
  });

  test("a producer failing because the client went away is not reported as unexpected", async () => {
    const client = new AbortController();
    const onUnexpected = vi.fn();
    const producer = held();
    const body = reading(eventStream(post(client.signal), producer.produce, { onUnexpected }));
    await vi.waitFor(() => expect(producer.produce).toHaveBeenCalled());
    client.abort();
    await body.ended;
    producer.finish(new DOMException("This operation was aborted", "AbortError"));
    // Settled handlers run in the order they were added: the stream's own ran before this one.
    await producer.produce.mock.results[0]?.value.catch(() => {});
    expect(onUnexpected).not.toHaveBeenCalled();
  });

  test("a reader that cancels the body aborts the producer the same way", async () => {
    const producer = held();
    const body = reading(eventStream(post(), producer.produce));
    await vi.waitFor(() => expect(producer.produce).toHaveBeenCalled());
    await body.reader.cancel();
    expect(producer.writer().signal.aborted).toBe(true);
    expect(producer.writer().closed).toBe(true);
    producer.finish();
  });

  test("a request already aborted gets an empty, closed stream and starts no work", async () => {
    const client = new AbortController();
    client.abort();
    const producer = held();
    const body = reading(eventStream(post(client.signal), producer.produce));
    await body.ended;
    expect(body.bytes().length).toBe(0);
    expect(producer.produce).not.toHaveBeenCalled();
  });
});
