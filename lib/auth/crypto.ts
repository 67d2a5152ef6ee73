import "server-only";
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

const scryptParams = { N: 16384, r: 8, p: 1, keylen: 64 } as const;

function scryptAsync(
  password: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  keylen: number,
) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, keylen, { N, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash`, so parameters can be raised later without breaking stored hashes. */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keylen } = scryptParams;
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, N, r, p, keylen);
  return ["scrypt", N, r, p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  // An empty key would equal an empty key whatever the password.
  if (expected.length === 0) return false;
  // Parameters scrypt refuses (not numbers, or too much memory) mean a damaged hash, not a 500.
  const actual = await scryptAsync(
    password,
    Buffer.from(salt, "base64url"),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  ).catch(() => undefined);
  return actual !== undefined && timingSafeEqual(actual, expected);
}

/** A scrypt hash of nothing in particular, so that logins for unknown emails take as long as real ones. */
export const decoyPasswordHash = hashPassword(randomBytes(16).toString("hex"));

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
