import "server-only";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { Agent, buildConnector, fetch as undiciFetch } from "undici";
import { isPublicAddress } from "./public-address";

// The fetch for URLs a client chose (a chat request's config.baseURL, a base URL stored in
// Settings). The address check happens where the connection is made: the name is resolved once,
// every address it resolves to must be public, and the socket connects to the address that was
// checked, so a name that resolves differently the second time (DNS rebinding) gains nothing.
// Redirects are refused: a model API has no reason to send one, and following it would reach an
// address nobody checked.

/** The connection was refused because the host is not a public address. */
export class BlockedAddressError extends Error {
  readonly host: string;

  constructor(host: string) {
    super(`${host} is not a public address`);
    this.name = "BlockedAddressError";
    this.host = host;
  }
}

/** The server answered with a redirect, which is not followed. */
export class RedirectRefusedError extends Error {
  readonly status: number;

  constructor(host: string, status: number) {
    super(
      `the model server ${host} answered with a redirect (HTTP ${status}), which is not followed`,
    );
    this.name = "RedirectRefusedError";
    this.status = status;
  }
}

type Resolver = (
  hostname: string,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolver: Resolver = (hostname, callback) =>
  dnsLookup(hostname, { all: true, verbatim: true }, callback);

/**
 * A `lookup` for sockets that answers only with public addresses: one private address among the
 * answers refuses the connection. `resolve` is the system resolver unless a test injects one.
 */
export function guardedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, found) => {
      if (error) return callback(error, "", 0);
      const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
      const addresses = family ? found.filter((a) => a.family === family) : found;
      if (addresses.length === 0) {
        const none: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        none.code = "ENOTFOUND";
        return callback(none, "", 0);
      }
      if (!addresses.every((a) => isPublicAddress(a.address))) {
        return callback(new BlockedAddressError(hostname), "", 0);
      }
      if (options.all) {
        return (callback as (e: null, all: LookupAddress[]) => void)(null, addresses);
      }
      const [first] = addresses as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };
}

function guardedAgent(resolve?: Resolver): Agent {
  const lookup = guardedLookup(resolve);
  const connect = buildConnector({ lookup });
  return new Agent({
    connect(options, callback) {
      // An IP literal is never looked up, so it is checked here.
      if (isIP(options.hostname) && !isPublicAddress(options.hostname)) {
        return callback(new BlockedAddressError(options.hostname), null);
      }
      connect(options, callback);
    },
  });
}

// One pool each, so connections are reused across calls.
const shared: { publicOnly?: Agent; anywhere?: Agent } = {};

function sharedAgent(allowPrivate: boolean): Agent {
  if (allowPrivate) {
    shared.anywhere ??= new Agent();
    return shared.anywhere;
  }
  shared.publicOnly ??= guardedAgent();
  return shared.publicOnly;
}

/**
 * A fetch for a client-chosen URL. `allowPrivate` (an admin, or KILN_CLIENT_BASE_URLS=any) lifts
 * the address check but not the refusal of redirects. `resolve` replaces DNS, for tests.
 */
export function clientFetch(options: { allowPrivate: boolean; resolve?: Resolver }): typeof fetch {
  const dispatcher = options.resolve
    ? guardedAgent(options.resolve)
    : sharedAgent(options.allowPrivate);
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const response = await undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      redirect: "manual",
      dispatcher,
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => {});
      throw new RedirectRefusedError(new URL(url).host, response.status);
    }
    return response as unknown as Response;
  }) as typeof fetch;
}
