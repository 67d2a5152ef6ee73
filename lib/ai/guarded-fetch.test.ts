import type { LookupAddress } from "node:dns";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  BlockedAddressError,
  clientFetch,
  guardedLookup,
  RedirectRefusedError,
} from "./guarded-fetch";

// The fetch for client-chosen URLs against local servers: what it connects to is decided by the
// one lookup it makes, literals are checked too, and redirects are never followed.

let hits: string[] = [];
let target: Server;
let redirector: Server;
let targetPort = 0;
let redirectorPort = 0;

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
};

beforeAll(async () => {
  target = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"data":[]}');
  });
  redirector = createServer((_req, res) => {
    res.writeHead(307, { location: `http://127.0.0.1:${targetPort}/v1/models` });
    res.end();
  });
  targetPort = await listen(target);
  redirectorPort = await listen(redirector);
});
afterAll(async () => {
  for (const server of [target, redirector]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A resolver answering from a table, counting how often it was asked. */
function resolver(table: Record<string, string[]>) {
  const asked: string[] = [];
  const resolve = (
    hostname: string,
    callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
  ) => {
    asked.push(hostname);
    const found = table[hostname];
    if (!found) {
      const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      error.code = "ENOTFOUND";
      return callback(error, []);
    }
    callback(
      null,
      found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
    );
  };
  return { resolve, asked };
}

const causeOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  let current = error;
  while (current instanceof Error && current.cause) current = current.cause;
  return current;
};

describe("guardedLookup", () => {
  const lookup = (resolve: ReturnType<typeof resolver>["resolve"], all: boolean) =>
    new Promise<{ error: Error | null; address: unknown }>((done) =>
      guardedLookup(resolve)("model.example", { all }, (error, address) =>
        done({ error, address }),
      ),
    );

  test("a name that resolves to a private address is refused", async () => {
    const { resolve } = resolver({ "model.example": ["10.0.0.7"] });
    const { error } = await lookup(resolve, false);
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect(error?.message).toBe("model.example is not a public address");
  });

  test("one private address among public ones is enough to refuse", async () => {
    const { resolve } = resolver({ "model.example": ["93.184.215.14", "::1"] });
    expect((await lookup(resolve, true)).error).toBeInstanceOf(BlockedAddressError);
  });

  test("public addresses are handed to the socket as they were checked", async () => {
    const { resolve } = resolver({ "model.example": ["93.184.215.14", "2606:4700::1"] });
    expect(await lookup(resolve, false)).toEqual({ error: null, address: "93.184.215.14" });
    expect((await lookup(resolve, true)).address).toEqual([
      { address: "93.184.215.14", family: 4 },
      { address: "2606:4700::1", family: 6 },
    ]);
  });
});

describe("clientFetch", () => {
  test("a name is resolved once per connection, and a private answer never connects", async () => {
    hits = [];
    const { resolve, asked } = resolver({ "rebind.example": ["127.0.0.1"] });
    const fetch = clientFetch({ allowPrivate: false, resolve });
    const cause = await causeOf(fetch(`http://rebind.example:${targetPort}/v1/models`));
    expect(cause).toBeInstanceOf(BlockedAddressError);
    expect(asked).toEqual(["rebind.example"]);
    expect(hits).toEqual([]);
  });

  test.each([
    "http://127.0.0.1:PORT/v1/models",
    "http://[::ffff:127.0.0.1]:PORT/v1/models",
    "http://0x7f.1:PORT/v1/models",
    "http://2130706433:PORT/v1/models",
  ])("the literal %s is refused without a connection", async (url) => {
    hits = [];
    const fetch = clientFetch({ allowPrivate: false });
    const cause = await causeOf(fetch(url.replace("PORT", String(targetPort))));
    expect(cause).toBeInstanceOf(BlockedAddressError);
    expect(hits).toEqual([]);
  });

  test("a redirect is refused, even where private addresses are allowed", async () => {
    hits = [];
    const fetch = clientFetch({ allowPrivate: true });
    const error = await fetch(`http://127.0.0.1:${redirectorPort}/v1/models`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RedirectRefusedError);
    expect((error as Error).message).toBe(
      `the model server 127.0.0.1:${redirectorPort} answered with a redirect (HTTP 307), which is not followed`,
    );
    expect(hits).toEqual([]);
  });

  test("where private addresses are allowed, a local server answers", async () => {
    hits = [];
    const fetch = clientFetch({ allowPrivate: true });
    const response = await fetch(`http://127.0.0.1:${targetPort}/v1/models`);
    expect(await response.json()).toEqual({ data: [] });
    expect(hits).toEqual(["/v1/models"]);
  });
});
