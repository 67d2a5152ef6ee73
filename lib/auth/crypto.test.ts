import { describe, expect, test } from "vitest";
import { decoyPasswordHash, hashPassword, randomToken, sha256, verifyPassword } from "./crypto";

describe("passwords", () => {
  test("scrypt hashes verify their password and nothing else", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    expect(await verifyPassword("correct horse battery", stored)).toBe(true);
    expect(await verifyPassword("correct horse batterY", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  test("each hash has its own salt", async () => {
    const [a, b] = await Promise.all([hashPassword("same"), hashPassword("same")]);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same", a)).toBe(true);
    expect(await verifyPassword("same", b)).toBe(true);
  });

  test("a stored value of another scheme or a damaged one never verifies", async () => {
    expect(await verifyPassword("x", "bcrypt$whatever")).toBe(false);
    expect(await verifyPassword("x", "")).toBe(false);
    expect(await verifyPassword("x", "scrypt$16384$8$1$$")).toBe(false);
    // A hash that decodes to zero bytes would compare equal to any password's zero-byte key.
    expect(await verifyPassword("anything", "scrypt$16384$8$1$c2FsdA$!")).toBe(false);
    // Parameters scrypt refuses are a damaged hash, answered false rather than thrown.
    expect(await verifyPassword("x", "scrypt$abc$8$1$c2FsdA$AAAA")).toBe(false);
    expect(await verifyPassword("x", "scrypt$1073741824$8$1$c2FsdA$AAAA")).toBe(false);
  });

  test("the decoy hash is a real hash that no ordinary guess matches", async () => {
    const decoy = await decoyPasswordHash;
    expect(decoy.startsWith("scrypt$")).toBe(true);
    expect(await verifyPassword("password", decoy)).toBe(false);
  });
});

describe("tokens", () => {
  test("random tokens are URL-safe, of the asked size, and distinct", () => {
    const tokens = new Set(Array.from({ length: 200 }, () => randomToken()));
    expect(tokens.size).toBe(200);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test("sha256 is hex SHA-256", () => {
    expect(sha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
