import { afterAll, expect, test, vi } from "vitest";
import { importWithEnv } from "@/tests/support/env";

type Secrets = typeof import("./secrets");
afterAll(() => vi.unstubAllEnvs());

test("a sealed secret opens under the same KILN_SECRET and never shows its plaintext", async () => {
  const { encryptSecret, decryptSecret } = await importWithEnv<Secrets>("@/lib/secrets");
  const sealed = encryptSecret("sk-proj-abcdef0123456789");
  expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
  expect(sealed).not.toContain("abcdef");
  expect(decryptSecret(sealed)).toBe("sk-proj-abcdef0123456789");
  expect(encryptSecret("same")).not.toBe(encryptSecret("same"));
});

test("tampering or another KILN_SECRET is refused", async () => {
  const first = await importWithEnv<Secrets>("@/lib/secrets");
  const sealed = first.encryptSecret("sk-live-secret-value");
  const parts = sealed.split(".");
  const flipped = Buffer.from(parts[3] ?? "", "base64url");
  flipped[0] = (flipped[0] ?? 0) ^ 1;
  parts[3] = flipped.toString("base64url");
  expect(() => first.decryptSecret(parts.join("."))).toThrow();
  expect(() => first.decryptSecret("plain text")).toThrow(/not a sealed secret/);
  const other = await importWithEnv<Secrets>("@/lib/secrets", { KILN_SECRET: "cd".repeat(32) });
  expect(() => other.decryptSecret(sealed)).toThrow();
});

test("hints show a recognisable head and the last four characters only", async () => {
  const { secretHint } = await importWithEnv<Secrets>("@/lib/secrets");
  expect(secretHint("sk-proj-0123456789a1b2")).toBe("sk-…a1b2");
  expect(secretHint("AIzaSyD0123456789wxyz")).toBe("AIz…wxyz");
  expect(secretHint("short")).toBe("…");
});
