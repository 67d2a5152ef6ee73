// First-byte overhead of /api/chat: with the model's first token held back a fixed time, how
// much later does the first fragment byte reach a client through Kiln than straight from the
// model server? 20 concurrent streams per round, rounds alternating A-B-B-A. Goal: <= 30 ms
// added at p50.
import { TestClient } from "../tests/support/client.ts";
import { startFakeOpenAI } from "../tests/support/fake-openai.ts";
import { startKiln } from "../tests/support/kiln-server.ts";
import { summary } from "./stats.ts";

const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 20);
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const firstTokenDelayMs = 200;

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
    ...(process.env.BENCH_PROFILE
      ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` }
      : {}),
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
  const throughKiln = () =>
    timeToFirst(
      () =>
        browser.fetch("/api/chat", {
          method: "POST",
          json: { messages: [{ role: "user", content: "Build a page" }] },
        }),
      (line) => line.startsWith("data: ") && line.includes('"type":"data-fragment"'),
    );
  // Burst: all streams start in the same instant, the worst case for a single process.
  const batch = (one: () => Promise<number>) =>
    Promise.all(Array.from({ length: concurrency }, one));
  // Steady: each stream starts its next request as soon as its last one had its first byte, so
  // that 20 are always in flight but arrive spread out, as users' requests do.
  const steady = async (one: () => Promise<number>, perWorker: number) => {
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        await new Promise((resolve) =>
          setTimeout(resolve, (worker * firstTokenDelayMs) / concurrency),
        );
        for (let i = 0; i < perWorker; i++) times.push(await one());
      }),
    );
    return times;
  };

  await batch(throughKiln); // warm-up: JIT, database handle, model listing
  await batch(direct);
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
  const baseline = summary(steadyA);
  const subject = summary(steadyB);
  const addedP50 = Number((subject.p50Ms - baseline.p50Ms).toFixed(1));
  const burst = { baseline: summary(burstA), subject: summary(burstB) };
  console.log(
    JSON.stringify({
      name: "chat-first-byte",
      description: `time to the first fragment byte with ${concurrency} streams always in flight (steady; burst below: all started at once), model's first token after ${firstTokenDelayMs} ms: through Kiln's /api/chat vs straight from the model server`,
      concurrency,
      firstTokenDelayMs,
      baseline: { route: "POST {model server}/v1/chat/completions", ...baseline },
      subject: { route: "POST /api/chat (signed-in browser)", ...subject },
      addedP50Ms: addedP50,
      addedP99Ms: Number((subject.p99Ms - baseline.p99Ms).toFixed(1)),
      burst: {
        description: `all ${concurrency} streams started in the same instant`,
        ...burst,
        addedP50Ms: Number((burst.subject.p50Ms - burst.baseline.p50Ms).toFixed(1)),
        addedP99Ms: Number((burst.subject.p99Ms - burst.baseline.p99Ms).toFixed(1)),
      },
      database: process.env.BENCH_DATABASE_URL ? "postgres" : "pglite",
      goal: "<= 30 ms added at p50",
      met: addedP50 <= 30,
    }),
  );
} finally {
  await kiln.stop();
  await fake.close();
}
