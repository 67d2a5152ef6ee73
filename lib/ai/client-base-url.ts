import "server-only";
import { isIP } from "node:net";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { isPublicAddress } from "./public-address";

// A base URL sent by a client makes Kiln's server open connections on the client's behalf. By
// default only public addresses are allowed, so a request cannot reach Kiln's own network
// (databases, metadata services, other internal APIs) through the model client. Admins run the
// instance and may point it anywhere (a model server on localhost is the usual self-hosted
// setup), unless the policy is "off". This check answers early with a clear 400; the one that
// holds is made where the connection is opened (lib/ai/guarded-fetch.ts).

/** Whether model calls for this client may reach private addresses. */
export function allowsPrivateAddresses(client: { isAdmin: boolean }): boolean {
  const policy = getEnv().KILN_CLIENT_BASE_URLS;
  return policy === "any" || (policy === "public" && client.isAdmin);
}

const refuse = (message: string) =>
  new KilnError("VALIDATION_ERROR", `config.baseURL: ${message}`, {
    details: { field: "config.baseURL" },
  });

/** Throws unless this server lets this client send model requests to `url`. */
export async function assertClientBaseUrl(
  url: string,
  client: { isAdmin: boolean } = { isAdmin: false },
): Promise<void> {
  if (getEnv().KILN_CLIENT_BASE_URLS === "off")
    throw refuse("this server does not accept client-supplied base URLs");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse("must be a valid URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw refuse("must be an http or https URL");
  }
  if (parsed.username || parsed.password) throw refuse("must not contain credentials");
  if (allowsPrivateAddresses(client)) return;
  // A name is checked where it is resolved, when the connection is made, and only there: a
  // second lookup here could be answered differently. Literals, and names that are loopback by
  // definition (RFC 6761), are refused now.
  const host = parsed.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "");
  const isLocalName = host === "localhost" || host.endsWith(".localhost");
  if (isLocalName || (isIP(host) && !isPublicAddress(host))) {
    throw refuse("must be a public address on this server (KILN_CLIENT_BASE_URLS=public)");
  }
}
