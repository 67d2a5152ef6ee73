import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "redis";

// A local stand-in for Upstash Redis's REST API, backed by a real Redis: POST / with one command
// as a JSON array, POST /pipeline and /multi-exec with an array of commands, Bearer token auth,
// and base64-encoded string results when the client sends `Upstash-Encoding: base64` (as
// @upstash/redis does by default).

export interface FakeUpstash {
  url: string;
  token: string;
  /** Commands received, for tests that check what was sent. */
  commands: string[][];
  close(): Promise<void>;
}

type Reply = unknown;

// Upstash accepts a script flag open-source Redis does not (`#!lua flags=allow-key-locking`).
// The fake drops flags Redis would reject and answers under the original script's SHA-1, so
// clients that EVALSHA first (as @upstash/ratelimit does) see what they would see on Upstash.
const upstashOnlyFlags = new Set(["allow-key-locking"]);
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

function redisScript(script: string): string {
  const match = /^#!lua flags=([^\n]*)\n/.exec(script);
  if (!match) return script;
  const flags = (match[1] ?? "").split(",").filter((f) => f && !upstashOnlyFlags.has(f));
  return `#!lua flags=${flags.join(",")}\n${script.slice(match[0].length)}`;
}

/** Rewrites script commands for Redis, remembering which SHA-1 the client knows each by. */
function scriptTranslator() {
  const redisSha = new Map<string, string>();
  const load = (script: string) => {
    const rewritten = redisScript(script);
    redisSha.set(sha1(script), sha1(rewritten));
    return rewritten;
  };
  return (args: string[]): string[] => {
    const [name = "", first, ...rest] = args;
    if (first === undefined) return args;
    switch (name.toLowerCase()) {
      case "eval":
      case "eval_ro":
        return [name, load(first), ...rest];
      case "evalsha":
      case "evalsha_ro":
        return [name, redisSha.get(first.toLowerCase()) ?? first, ...rest];
      case "script":
        return first.toLowerCase() === "load" && rest[0] !== undefined
          ? [name, first, load(rest[0])]
          : args;
      default:
        return args;
    }
  };
}

function encode(value: Reply, base64: boolean): Reply {
  if (!base64) return value;
  if (typeof value === "string") return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  return value;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
}

const isCommand = (value: unknown): value is (string | number)[] =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every((v) => typeof v === "string" || typeof v === "number");

export async function startFakeUpstash(
  options: { redisUrl?: string; token?: string } = {},
): Promise<FakeUpstash> {
  // A logical database picked at random, so that test runs sharing one Redis (and Kiln's fixed
  // key prefix) rarely meet; the tests' own addresses keep their counters apart as well.
  const redis = createClient({
    url: options.redisUrl ?? "redis://127.0.0.1:6379",
    database: 1 + Math.floor(Math.random() * 15),
  });
  await redis.connect();
  const token = options.token ?? `fake-upstash-${Math.random().toString(36).slice(2)}`;
  const commands: string[][] = [];
  const translate = scriptTranslator();

  const run = async (command: (string | number)[]) => {
    const args = command.map(String);
    commands.push(args);
    try {
      const result = (await redis.sendCommand(translate(args))) as Reply;
      // SCRIPT LOAD answers with the SHA-1 the client computed, as Upstash would.
      if (args[0]?.toLowerCase() === "script" && args[1]?.toLowerCase() === "load")
        return { result: sha1(args[2] ?? "") };
      return { result };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };

  const server: Server = createServer(async (request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${token}`)
      return send(401, { error: "Unauthorized" });
    if (request.method !== "POST") return send(405, { error: "Method not allowed" });
    const base64 = String(request.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    let body: unknown;
    try {
      body = await readJson(request);
    } catch {
      return send(400, { error: "ERR failed to parse request body" });
    }
    const path = new URL(request.url ?? "/", "http://fake").pathname;

    if (path === "/pipeline" || path === "/multi-exec") {
      if (!Array.isArray(body) || !body.every(isCommand))
        return send(400, { error: "ERR invalid pipeline body" });
      let results: { result?: Reply; error?: string }[];
      if (path === "/multi-exec") {
        const multi = redis.multi();
        for (const command of body) {
          commands.push(command.map(String));
          multi.addCommand(translate(command.map(String)));
        }
        try {
          results = ((await multi.exec()) as Reply[]).map((result) => ({ result }));
        } catch (error) {
          return send(400, { error: (error as Error).message });
        }
      } else {
        results = await Promise.all(body.map(run));
      }
      return send(
        200,
        results.map((r) =>
          "error" in r && r.error ? { error: r.error } : { result: encode(r.result, base64) },
        ),
      );
    }

    if (!isCommand(body)) return send(400, { error: "ERR invalid command" });
    const reply = await run(body);
    if ("error" in reply) return send(400, { error: reply.error });
    return send(200, { result: encode(reply.result, base64) });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    commands,
    async close() {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await redis.quit();
    },
  };
}

/** Whether the Redis behind the fake is reachable, so suites can say why they skip. */
export async function redisReachable(url = "redis://127.0.0.1:6379"): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.quit();
    return true;
  } catch {
    return false;
  }
}
