import "server-only";
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { readCookie, wantsSecureCookies } from "@/lib/cookies";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { getLimiter } from "@/lib/rate-limit/get-limiter";
import { parseWindowSpec } from "@/lib/rate-limit/types";
import { randomToken } from "./crypto";

// Password guessing is throttled without letting a stranger lock the owner out:
// - every attempt is counted before the password is checked (the limiter's limit() is atomic),
//   so guesses sent at once cannot all slip through before the first failure is recorded;
// - a browser that signed in to this account before carries a signed "known device" cookie and
//   gets a budget of its own (KILN_RATE_LIMIT_LOGIN), untouched by anyone else's guesses;
// - any other attempt is counted per address and email pair (KILN_RATE_LIMIT_LOGIN), per address
//   (KILN_RATE_LIMIT_LOGIN_ADDRESS) and per email from all addresses together
//   (KILN_RATE_LIMIT_LOGIN_EMAIL, the ceiling for guessers spread over many addresses), in that
//   order, and an attempt refused by a narrower budget does not spend the wider ones, so one
//   address cannot use up an account's ceiling.
// A success forgets the pair's (or the device's) count. When the shared limiter store is down
// this fails closed (503): guessing must not become unlimited during an outage.

export const deviceCookieName = "kiln_device";
const deviceCookiePath = "/api/auth";
const deviceCookieMaxAgeSeconds = 365 * 24 * 3600;

let deviceKey: Buffer | undefined;
function signDevice(deviceId: string, email: string): string {
  deviceKey ??= Buffer.from(hkdfSync("sha256", getEnv().secret, "", "kiln known devices v1", 32));
  return createHmac("sha256", deviceKey).update(`${deviceId}\n${email}`).digest("base64url");
}

/** The device id of a known-device cookie issued for this email, if the request carries one. */
function knownDevice(request: Request, email: string): string | undefined {
  const [deviceId, signature] = (readCookie(request.headers, deviceCookieName) ?? "").split(".");
  if (!deviceId || !signature) return undefined;
  const expected = Buffer.from(signDevice(deviceId, email));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? deviceId
    : undefined;
}

/** Marks this browser as one that has signed in to this account (see above). */
export function knownDeviceCookie(request: Request, email: string): string {
  const deviceId = randomToken(16);
  const secure = wantsSecureCookies(request) ? "; Secure" : "";
  return `${deviceCookieName}=${deviceId}.${signDevice(deviceId, email)}; Path=${deviceCookiePath}; HttpOnly; SameSite=Strict; Max-Age=${deviceCookieMaxAgeSeconds}${secure}`;
}

export interface SignInAttempt {
  /** Call once the password proved right: forgets this budget's count; returns cookies to set. */
  succeeded(): Promise<string[]>;
}

/** Counts one password check for this email, or throws RATE_LIMITED (429) when it may not run. */
export async function takeSignInAttempt(options: {
  request: Request;
  email: string;
  clientAddress: string;
}): Promise<SignInAttempt> {
  const env = getEnv();
  const { request, email, clientAddress } = options;
  const perPair = parseWindowSpec(env.KILN_RATE_LIMIT_LOGIN);
  const deviceId = knownDevice(request, email);
  const budgets = deviceId
    ? [{ limiter: getLimiter("login-device", perPair), key: `device:${deviceId}` }]
    : [
        { limiter: getLimiter("login-pair", perPair), key: `${clientAddress}\n${email}` },
        {
          limiter: getLimiter("login-address", parseWindowSpec(env.KILN_RATE_LIMIT_LOGIN_ADDRESS)),
          key: clientAddress,
        },
        {
          limiter: getLimiter("login-email", parseWindowSpec(env.KILN_RATE_LIMIT_LOGIN_EMAIL)),
          key: email,
        },
      ];
  for (const { limiter, key } of budgets) {
    const result = await limiter.limit(key);
    if (!result.success) {
      const retryAfter = Math.max(1, Math.ceil((result.reset - Date.now()) / 1000));
      throw new KilnError("RATE_LIMITED", "Too many sign-in attempts; try again later", {
        headers: { "Retry-After": String(retryAfter) },
      });
    }
  }
  const own = budgets[0] as (typeof budgets)[number];
  return {
    async succeeded() {
      await own.limiter.reset(own.key);
      return [knownDeviceCookie(request, email)];
    },
  };
}
