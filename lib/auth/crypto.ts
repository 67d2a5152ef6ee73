import "server-only";
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { getEnv } from "@/lib/env";

// scrypt at OWASP's Password Storage Cheat Sheet parameters (N=2^17, r=8, p=1): 128 MiB and a
// few hundred milliseconds per hash. KILN_PASSWORD_SCRYPT_N may lower N for test servers only;
// hashes record their parameters, and a sign-in upgrades one made with weaker ones.
const r = 8;
const p = 1;
const keylen = 64;
// The most a stored hash may ask for: anything beyond is a damaged value, not a 500 or an
// out-of-memory process.
const maxN = 2 ** 20;

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number, len: number) {
  return new Promise<Buffer>((resolve, reject) => {
    // scrypt needs 128·N·r bytes; twice that leaves room for its bookkeeping.
    scrypt(password, salt, len, { N, r, p, maxmem: 2 * 128 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

const configuredN = () => getEnv().KILN_PASSWORD_SCRYPT_N;

/** `scrypt$N$r$p$salt$hash`, so parameters can be raised later without breaking stored hashes. */
export async function hashPassword(password: string): Promise<string> {
  const N = configuredN();
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, N, r, p, keylen);
  return ["scrypt", N, r, p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, storedR, storedP, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  // An empty key would equal an empty key whatever the password.
  if (expected.length === 0) return false;
  const [N, R, P] = [Number(n), Number(storedR), Number(storedP)];
  if (!(N <= maxN && R <= 32 && P <= 16)) return false;
  // Parameters scrypt refuses (not numbers, not a power of two) mean a damaged hash, not a 500.
  const actual = await scryptAsync(
    password,
    Buffer.from(salt, "base64url"),
    N,
    R,
    P,
    expected.length,
  ).catch(() => undefined);
  return actual !== undefined && timingSafeEqual(actual, expected);
}

/** Whether a stored hash was made with weaker parameters than Kiln now uses. */
export function needsRehash(stored: string): boolean {
  const [scheme, n, storedR] = stored.split("$");
  return scheme !== "scrypt" || Number(n) < configuredN() || Number(storedR) < r;
}

let decoy: { N: number; hash: Promise<string> } | undefined;

/**
 * A hash of nothing in particular, made with the current parameters, so that a sign-in for an
 * unknown email takes as long as one for a real account.
 */
export function decoyPasswordHash(): Promise<string> {
  if (decoy?.N !== configuredN()) {
    decoy = { N: configuredN(), hash: hashPassword(randomBytes(16).toString("hex")) };
  }
  return decoy.hash;
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
