// First-byte overhead of /api/chat: with the model's first token held back a fixed time, how
// much later does the first fragment byte reach a client through Kiln than straight from the
// model server? 20 concurrent streams per round, rounds alternating A-B-B-A; then 10 streams
// against a model that answers at once, where nothing of Kiln's work hides behind the model's
// wait. Goal: <= 30 ms added at p50 and <= 60 ms at p99.
import { readFileSync } from "node:fs";
import { TestClient } from "../tests/support/client.ts";
import { startFakeOpenAI } from "../tests/support/fake-openai.ts";
import { startKiln } from "../tests/support/kiln-server.ts";
import { kilnNodeOptions } from "./kiln-node-options.ts";
import { summary } from "./stats.ts";

const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 20);
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const firstTokenDelayMs = 200;
const immediateConcurrency = 10;

const fragment = {
  commentary: "A page.",
  template: "static-html",
  title: "Bench page",
  description: "A page for the benchmark.",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
  port: 8000,
  file_path: "index.html",
  code: `<!doctype html><html><body>${"<p>bench</p>".repeat(40)}</body></html>`,
  files: [],
};

/**
 * CPU time (user and system, all threads) the Kiln process has used so far, in ms: on a busy
 * machine latency says more about the neighbours than about Kiln, this does not. Linux only.
 */
function kilnCpuMs(): number | undefined {
  try {
    const self = `/proc/${process.pid}/task/${process.pid}/children`;
    const pid = readFileSync(self, "utf8")
      .trim()
      .split(/\s+/)
      .find((child) => readFileSync(`/proc/${child}/cmdline`, "utf8").includes("server.ts"));
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime, in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Milliseconds from sending until the first chunk that `isFirst` accepts arrives. */
async function timeToFirst(send: () => Promise<Response>, isFirst: (line: string) => boolean) {
  const started = performance.now();
  const response = await send();
  if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error("stream ended before the first fragment byte");
    buffer += value;
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    if (lines.some(isFirst)) {
      const elapsed = performance.now() - started;
      await reader.cancel();
      return elapsed;
    }
  }
}

const fake = await startFakeOpenAI({ models: ["bench-model"], firstTokenDelayMs, chunkDelayMs: 2 });
fake.setDefault({ json: fragment });
const kiln = await startKiln({
  env: {
    OPENAI_BASE_URL: fake.url,
    // BENCH_DATABASE_URL runs Kiln on that Postgres instead of the embedded PGlite.
    DATABASE_URL: process.env.BENCH_DATABASE_URL,
    NODE_OPTIONS: kilnNodeOptions(),
    KILN_RATE_LIMIT_GENERAL: "1000000000/15m",
    KILN_RATE_LIMIT_SESSION_GENERAL: "1000000000/1m",
    KILN_RATE_LIMIT_SESSION_LLM: "1000000000/1m",
  },
});
try {
  const browser = new TestClient(kiln.url);
  await browser.signUp();

  // What Kiln itself sends the model server, so that "direct" asks for the same work.
  const directBody = JSON.stringify({
    model: "bench-model",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "Build a page" }],
    response_format: { type: "json_schema", json_schema: { name: "response", schema: {} } },
  });
  const direct = () =>
    timeToFirst(
      () =>
        fetch(`${fake.url}/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: directBody,
        }),
      (line) =>
        line.startsWith("data: {") &&
        line.includes('"content":"') &&
        !line.includes('"content":""'),
    );
  let kilnRequests = 0;
  const throughKiln = () => {
    kilnRequests++;
    return timeToFirst(
      () =>
        browser.fetch("/api/chat", {
          method: "POST",
          // The IDE's stream: the AI SDK's UI message stream.
          headers: { accept: "text/event-stream" },
          json: { messages: [{ role: "user", content: "Build a page" }] },
        }),
      (line) => line.startsWith("data: ") && line.includes('"type":"data-fragment"'),
    );
  };
  // Burst: all streams start in the same instant, the worst case for a single process.
  const batch = (one: () => Promise<number>, streams = concurrency) =>
    Promise.all(Array.from({ length: streams }, one));
  // Steady: each stream starts its next request as soon as its last one had its first byte, so
  // that 20 are always in flight but arrive spread out, as users' requests do.
  const steady = async (one: () => Promise<number>, perWorker: number, streams = concurrency) => {
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: streams }, async (_, worker) => {
        await new Promise((resolve) => setTimeout(resolve, (worker * firstTokenDelayMs) / streams));
        for (let i = 0; i < perWorker; i++) times.push(await one());
      }),
    );
    return times;
  };

  await batch(throughKiln); // warm-up: JIT, database handle, model listing
  await batch(direct);
  kilnRequests = 0;
  const cpuBefore = kilnCpuMs();
  const burstA: number[] = [];
  const burstB: number[] = [];
  const steadyA: number[] = [];
  const steadyB: number[] = [];
  for (let round = 0; round < rounds; round++) {
    burstA.push(...(await batch(direct)));
    burstB.push(...(await batch(throughKiln)));
    steadyB.push(...(await steady(throughKiln, 3)));
    steadyA.push(...(await steady(direct, 3)));
  }
  // The model answers at once: every millisecond Kiln spends before asking it shows.
  fake.options.firstTokenDelayMs = 0;
  const immediateA: number[] = [];
  const immediateB: number[] = [];
  for (let round = 0; round < rounds; round++) {
    immediateA.push(...(await steady(direct, 3, immediateConcurrency)));
    immediateB.push(...(await steady(throughKiln, 3, immediateConcurrency)));
    immediateB.push(...(await steady(throughKiln, 3, immediateConcurrency)));
    immediateA.push(...(await steady(direct, 3, immediateConcurrency)));
  }
  const cpuAfter = kilnCpuMs();
  const cpuPerRequest =
    cpuBefore === undefined || cpuAfter === undefined
      ? undefined
      : Number(((cpuAfter - cpuBefore) / kilnRequests).toFixed(2));
  const baseline = summary(steadyA);
  const subject = summary(steadyB);
  const addedP50 = Number((subject.p50Ms - baseline.p50Ms).toFixed(1));
  const addedP99 = Number((subject.p99Ms - baseline.p99Ms).toFixed(1));
  const burst = { baseline: summary(burstA), subject: summary(burstB) };
  const immediate = { baseline: summary(immediateA), subject: summary(immediateB) };
  const immediateP50 = Number((immediate.subject.p50Ms - immediate.baseline.p50Ms).toFixed(1));
  const immediateP99 = Number((immediate.subject.p99Ms - immediate.baseline.p99Ms).toFixed(1));
  console.log(
    JSON.stringify({
      name: "chat-first-byte",
      description: `time to the first fragment byte with ${concurrency} streams always in flight (steady; burst below: all started at once), model's first token after ${firstTokenDelayMs} ms: through Kiln's /api/chat vs straight from the model server`,
      concurrency,
      firstTokenDelayMs,
      baseline: { route: "POST {model server}/v1/chat/completions", ...baseline },
      subject: { route: "POST /api/chat (signed-in browser)", ...subject },
      addedP50Ms: addedP50,
      addedP99Ms: addedP99,
      immediate: {
        description: `${immediateConcurrency} streams always in flight, the model's first token at once`,
        ...immediate,
        addedP50Ms: immediateP50,
        addedP99Ms: immediateP99,
      },
      burst: {
        description: `all ${concurrency} streams started in the same instant`,
        ...burst,
        addedP50Ms: Number((burst.subject.p50Ms - burst.baseline.p50Ms).toFixed(1)),
        addedP99Ms: Number((burst.subject.p99Ms - burst.baseline.p99Ms).toFixed(1)),
      },
      kilnCpuMsPerRequest: cpuPerRequest,
      kilnRequests,
      database: process.env.BENCH_DATABASE_URL ? "postgres" : "pglite",
      goal: "<= 30 ms added at p50 and <= 60 ms at p99, steady and at once",
      met: addedP50 <= 30 && addedP99 <= 60 && immediateP50 <= 30 && immediateP99 <= 60,
    }),
  );
} finally {
  await kiln.stop();
  await fake.close();
}
