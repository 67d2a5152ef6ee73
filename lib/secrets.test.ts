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

test("hints show a long key's vendor label and at most its last four characters", async () => {
  const { secretHint } = await importWithEnv<Secrets>("@/lib/secrets");
  expect(secretHint("sk-proj-0123456789a1b2")).toBe("sk-…a1b2");
  expect(secretHint("AIzaSyD0123456789wxyz")).toBe("…wxyz");
  // GitHub's tokens name their kind with an underscore.
  expect(secretHint("ghp_0123456789abcdefghijklmnopqrstuv9f3e")).toBe("ghp_…9f3e");
  expect(secretHint("short")).toBe("…");
});

test("a short key's hint shows at most a quarter of it, never half", async () => {
  const { secretHint } = await importWithEnv<Secrets>("@/lib/secrets");
  expect(secretHint("abcdefgh")).toBe("…gh");
  expect(secretHint("abcd-efgh")).toBe("…gh");
  expect(secretHint("sk-abcdefghi")).toBe("…ghi");
  expect(secretHint("abcdefghijkl")).toBe("…jkl");
  for (let length = 1; length <= 40; length++) {
    const key = "x".repeat(length);
    const shown = secretHint(key)
      .replace(/^[A-Za-z]{2,4}[-_]/, "")
      .replace("…", "").length;
    expect(shown).toBeLessThanOrEqual(Math.min(4, length / 4));
  }
});
