// A run's events over SSE, on Postgres (BENCH_DATABASE_URL): events are appended by this
// process exactly as lib/events appends them (insert with the next sequence number, then
// NOTIFY), so they reach Kiln as a worker process's events would.
//  (a) latency from the append to each of 200 SSE clients receiving the frame, p50/p99, one
//      event at a time; goal p99 <= 25 ms.
//  (b) fan-out: events/s delivered to each of 100 clients while batches are appended as fast as
//      they go, the median of 3 rounds; goal >= 0.8x the baseline's median.
// The baseline, measured in the same run against the same database: a bare node:http server
// that LISTENs on the same channel, reads the new rows once per wake-up and writes the same
// frames to its clients, with none of Kiln's routing, auth or per-client followers.
import http from "node:http";
import pg from "pg";
import { TestClient } from "../tests/support/client.ts";
import { type KilnServer, startKiln } from "../tests/support/kiln-server.ts";
import { kilnNodeOptions } from "./kiln-node-options.ts";
import { summary } from "./stats.ts";

const shared = process.env.BENCH_DATABASE_URL;
const latencyEvents = Number(process.env.BENCH_ROUNDS ?? 50);
const burstEvents = 5000;
const fanOutRounds = 3;
const batch = 100;
const channel = "kiln_events";

if (!shared) {
  console.log(
    JSON.stringify({
      section: "events",
      skipped: "needs BENCH_DATABASE_URL: events reach Kiln from another process over NOTIFY",
      met: false,
    }),
  );
  process.exit(0);
}

// A database of the bench's own, so that nothing else's jobs or events run beside it.
const url = new URL(shared);
const name = `${url.pathname.slice(1)}_bench_events`;
{
  const admin = new pg.Client({ connectionString: shared });
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.query(`create database "${name}"`);
  await admin.end();
}
url.pathname = `/${name}`;
const databaseUrl = url.toString();

const db = new pg.Client({ connectionString: databaseUrl });

/** One event, as lib/events/events.ts appendEvent writes it. */
async function appendOne(stream: string, type: string) {
  await db.query(
    `insert into events (id, stream, seq, type, task_id, payload)
     values ('evt_' || replace(gen_random_uuid()::text, '-', ''), $1,
       coalesce((select max(seq) from events where stream = $1), 0) + 1, $2, null, $3)`,
    [stream, type, JSON.stringify({ path: "src/app/layout.tsx", size: 1234 })],
  );
  await db.query("select pg_notify($1, $2)", [channel, stream]);
}

/** Events from..to in one statement, then one NOTIFY: a busy worker's burst. */
async function appendBatch(stream: string, from: number, to: number) {
  await db.query(
    `insert into events (id, stream, seq, type, task_id, payload)
     select 'evt_' || replace(gen_random_uuid()::text, '-', ''), $1, s, 'FILE_CREATED', 'task_1',
       jsonb_build_object('path', 'src/file-' || s || '.ts', 'size', s)
     from generate_series($2::int, $3::int) s`,
    [stream, from, to],
  );
  await db.query("select pg_notify($1, $2)", [channel, stream]);
}

/**
 * `count` SSE clients of `target`; `onFrame(seq)` for each frame any of them receives. Resolves
 * once every one has its response headers.
 */
async function connect(
  count: number,
  target: string,
  headers: Record<string, string>,
  onFrame: (seq: number) => void,
) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const requests: http.ClientRequest[] = [];
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve, reject) => {
          const request = http.get(target, { agent, headers }, (response) => {
            if (response.statusCode !== 200) reject(new Error(`stream: ${response.statusCode}`));
            // Closing the clients at the end resets their responses: not a failure.
            response.on("error", () => {});
            response.setEncoding("utf8");
            let buffer = "";
            response.on("data", (chunk: string) => {
              buffer += chunk;
              let end = buffer.indexOf("\n\n");
              while (end >= 0) {
                const block = buffer.slice(0, end);
                buffer = buffer.slice(end + 2);
                if (block.startsWith("id: ")) onFrame(Number(block.slice(4, block.indexOf("\n"))));
                end = buffer.indexOf("\n\n");
              }
            });
            resolve();
          });
          request.on("error", () => {});
          requests.push(request);
        }),
    ),
  );
  return () => {
    for (const request of requests) request.destroy();
    agent.destroy();
  };
}

/** (a): one event at a time, each timed from before its append to its arrival at each client. */
async function latency(
  stream: string,
  open: (onFrame: (seq: number) => void) => Promise<() => void>,
) {
  const samples: number[] = [];
  let waiting: { seq: number; start: number; left: number; done: () => void } | undefined;
  const close = await open((seq) => {
    if (!waiting || seq !== waiting.seq) return;
    samples.push(performance.now() - waiting.start);
    if (--waiting.left === 0) waiting.done();
  });
  for (let seq = 1; seq <= latencyEvents + 5; seq++) {
    const start = performance.now();
    const arrived = new Promise<void>((done) => {
      waiting = { seq, start, left: 200, done };
    });
    await appendOne(stream, "FILE_CREATED");
    await arrived;
    // The first five warm both sides up.
    if (seq === 5) samples.length = 0;
  }
  close();
  return summary(samples);
}

/** (b): batches appended as fast as they go; events/s until every client has the last one. */
async function fanOut(
  stream: string,
  open: (onFrame: (seq: number) => void) => Promise<() => void>,
) {
  let left = 100;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const close = await open((seq) => {
    if (seq === burstEvents && --left === 0) done();
  });
  const start = performance.now();
  for (let from = 1; from <= burstEvents; from += batch) {
    await appendBatch(stream, from, from + batch - 1);
  }
  await finished;
  const seconds = (performance.now() - start) / 1000;
  close();
  return { clients: 100, events: burstEvents, eventsPerSecond: Math.round(burstEvents / seconds) };
}

/** The bare server: LISTEN, read what is new once per wake-up, write the frames to everyone. */
async function startBaseline() {
  const listener = new pg.Client({ connectionString: databaseUrl });
  const reader = new pg.Client({ connectionString: databaseUrl });
  await Promise.all([listener.connect(), reader.connect()]);
  const clients = new Map<string, Set<http.ServerResponse>>();
  const last = new Map<string, number>();
  const reading = new Map<string, Promise<void>>();
  const read = (stream: string): Promise<void> => {
    const previous = reading.get(stream) ?? Promise.resolve();
    const next = previous.then(async () => {
      const rows = await reader.query(
        `select id, seq, type, task_id, payload, created_at from events
         where stream = $1 and seq > $2 order by seq`,
        [stream, last.get(stream) ?? 0],
      );
      let text = "";
      for (const row of rows.rows) {
        last.set(stream, Number(row.seq));
        const data = {
          ...row.payload,
          id: row.id,
          seq: Number(row.seq),
          runId: stream.slice(4),
          taskId: row.task_id,
          eventType: row.type,
          createdAt: new Date(row.created_at).toISOString(),
        };
        text += `id: ${row.seq}\nevent: ${row.type}\ndata: ${JSON.stringify(data)}\n\n`;
      }
      if (text) for (const response of clients.get(stream) ?? []) response.write(text);
    });
    reading.set(stream, next);
    return next;
  };
  listener.on("notification", (message) => void read(message.payload as string));
  await listener.query(`listen ${channel}`);
  const server = http.createServer((request, response) => {
    const stream = decodeURIComponent((request.url ?? "/").slice(1));
    response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
    response.write(": stream open\n\n");
    const set = clients.get(stream) ?? new Set<http.ServerResponse>();
    clients.set(stream, set);
    set.add(response);
    request.on("close", () => set.delete(response));
  });
  server.maxConnections = 10_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: (stream: string) => `http://127.0.0.1:${port}/${encodeURIComponent(stream)}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await Promise.all([listener.end(), reader.end()]);
    },
  };
}

let kiln: KilnServer | undefined;
try {
  await db.connect();
  kiln = await startKiln({
    env: {
      DATABASE_URL: databaseUrl,
      KILN_WORKERS: "0",
      NODE_OPTIONS: kilnNodeOptions(),
      KILN_RATE_LIMIT_GENERAL: "1000000000/15m",
      KILN_RATE_LIMIT_TIER_FREE: "1000000000",
    },
  });
  const client = new TestClient(kiln.url);
  await client.signUp();
  const { key } = await client.createApiKey("bench");
  const created = await client.fetch("/api/v1/projects", {
    method: "POST",
    json: { name: "Bench", description: "Events" },
  });
  const projectId = ((await created.json()) as { data: { id: string } }).data.id;
  // Runs still executing with no job behind them: only this process writes their events.
  let runNumber = 0;
  const run = async () => {
    const id = `run_bench${++runNumber}`;
    await db.query(
      `insert into runs (id, project_id, user_id, run_number, status, spec_version)
       select $1, id, user_id, $2, 'executing', 1 from projects where id = $3`,
      [id, runNumber, projectId],
    );
    return id;
  };
  const headers = { authorization: `Bearer ${key}`, accept: "text/event-stream" };
  const kilnClients = (count: number, runId: string) => (onFrame: (seq: number) => void) =>
    connect(
      count,
      `${kiln!.url}/api/v1/projects/${projectId}/runs/${runId}/events/stream`,
      headers,
      onFrame,
    );

  const baseline = await startBaseline();
  const bareClients = (count: number, runId: string) => (onFrame: (seq: number) => void) =>
    connect(count, baseline.url(`run:${runId}`), {}, onFrame);

  const latencyRuns = [await run(), await run()];
  const kilnLatency = await latency(`run:${latencyRuns[0]}`, kilnClients(200, latencyRuns[0]!));
  const bareLatency = await latency(`run:${latencyRuns[1]}`, bareClients(200, latencyRuns[1]!));
  // A burst lasts about half a second: one of each would measure the neighbours as much as
  // Kiln. Rounds alternate which goes first (A-B, B-A, A-B), and the median of each counts.
  const kilnRounds: number[] = [];
  const bareRounds: number[] = [];
  for (let round = 0; round < fanOutRounds; round++) {
    const kilnRun = await run();
    const bareRun = await run();
    const kilnOnce = async () =>
      kilnRounds.push((await fanOut(`run:${kilnRun}`, kilnClients(100, kilnRun))).eventsPerSecond);
    const bareOnce = async () =>
      bareRounds.push((await fanOut(`run:${bareRun}`, bareClients(100, bareRun))).eventsPerSecond);
    if (round % 2 === 0) {
      await kilnOnce();
      await bareOnce();
    } else {
      await bareOnce();
      await kilnOnce();
    }
  }
  await baseline.close();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const kilnFan = {
    clients: 100,
    events: burstEvents,
    eventsPerSecond: median(kilnRounds),
    rounds: kilnRounds,
  };
  const bareFan = {
    clients: 100,
    events: burstEvents,
    eventsPerSecond: median(bareRounds),
    rounds: bareRounds,
  };

  const ratio = Number((kilnFan.eventsPerSecond / bareFan.eventsPerSecond).toFixed(2));
  console.log(
    JSON.stringify({
      section: "events",
      latency: { subscribers: 200, kiln: kilnLatency, baseline: bareLatency, goalP99Ms: 25 },
      fanOut: { kiln: kilnFan, baseline: bareFan, ratio, goalRatio: 0.8 },
      met: kilnLatency.p99Ms <= 25 && ratio >= 0.8,
    }),
  );
} finally {
  await kiln?.stop();
  await db.end().catch(() => {});
}
