import { afterAll, describe, expect, test, vi } from "vitest";
import { importWithEnv } from "@/tests/support/env";

type Crypto = typeof import("./crypto");
afterAll(() => vi.unstubAllEnvs());

// The cheapest N Kiln accepts, for the tests that are not about the parameters.
const fast = () => importWithEnv<Crypto>("@/lib/auth/crypto", { KILN_PASSWORD_SCRYPT_N: "16384" });

describe("passwords", () => {
  test("by default hashes use OWASP's scrypt parameters (N=2^17, r=8, p=1)", async () => {
    const { hashPassword, verifyPassword, needsRehash } =
      await importWithEnv<Crypto>("@/lib/auth/crypto");
    const stored = await hashPassword("correct horse battery");
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    expect(await verifyPassword("correct horse battery", stored)).toBe(true);
    expect(needsRehash(stored)).toBe(false);
  });

  test("a hash made with the old N=16384 verifies and is due for a rehash", async () => {
    const old = await (await fast()).hashPassword("pw of old");
    const { verifyPassword, needsRehash, decoyPasswordHash } =
      await importWithEnv<Crypto>("@/lib/auth/crypto");
    expect(old.startsWith("scrypt$16384$8$1$")).toBe(true);
    expect(await verifyPassword("pw of old", old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    // The decoy an unknown email is checked against costs what a real account's check costs.
    expect((await decoyPasswordHash()).startsWith("scrypt$131072$8$1$")).toBe(true);
  });

  test("scrypt hashes verify their password and nothing else", async () => {
    const { hashPassword, verifyPassword } = await fast();
    const stored = await hashPassword("correct horse battery");
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    expect(await verifyPassword("correct horse battery", stored)).toBe(true);
    expect(await verifyPassword("correct horse batterY", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  test("each hash has its own salt", async () => {
    const { hashPassword, verifyPassword } = await fast();
    const [a, b] = await Promise.all([hashPassword("same"), hashPassword("same")]);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same", a)).toBe(true);
    expect(await verifyPassword("same", b)).toBe(true);
  });

  test("a stored value of another scheme or a damaged one never verifies", async () => {
    const { verifyPassword, needsRehash } = await fast();
    expect(await verifyPassword("x", "bcrypt$whatever")).toBe(false);
    expect(needsRehash("bcrypt$whatever")).toBe(true);
    expect(await verifyPassword("x", "")).toBe(false);
    expect(await verifyPassword("x", "scrypt$16384$8$1$$")).toBe(false);
    // A hash that decodes to zero bytes would compare equal to any password's zero-byte key.
    expect(await verifyPassword("anything", "scrypt$16384$8$1$c2FsdA$!")).toBe(false);
    // Parameters scrypt refuses, or that would take gigabytes, are a damaged hash, answered
    // false rather than thrown.
    expect(await verifyPassword("x", "scrypt$abc$8$1$c2FsdA$AAAA")).toBe(false);
    expect(await verifyPassword("x", "scrypt$1000$8$1$c2FsdA$AAAA")).toBe(false);
    expect(await verifyPassword("x", "scrypt$1073741824$8$1$c2FsdA$AAAA")).toBe(false);
    expect(await verifyPassword("x", "scrypt$16384$4096$1$c2FsdA$AAAA")).toBe(false);
  });

  test("the decoy hash is a real hash that no ordinary guess matches", async () => {
    const { decoyPasswordHash, verifyPassword } = await fast();
    const decoy = await decoyPasswordHash();
    expect(decoy.startsWith("scrypt$16384$")).toBe(true);
    expect(await verifyPassword("password", decoy)).toBe(false);
  });
});

describe("tokens", () => {
  test("random tokens are URL-safe, of the asked size, and distinct", async () => {
    const { randomToken } = await fast();
    const tokens = new Set(Array.from({ length: 200 }, () => randomToken()));
    expect(tokens.size).toBe(200);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test("sha256 is hex SHA-256", async () => {
    const { sha256 } = await fast();
    expect(sha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
