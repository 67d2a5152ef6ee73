import "server-only";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { getEnv } from "@/lib/env";

// Third-party secrets at rest (model keys, GitHub tokens): AES-256-GCM under a key derived from
// KILN_SECRET. Stored as "v1.<iv>.<tag>.<ciphertext>" in base64url, so the format can change
// later without guessing.

let key: Buffer | undefined;
function secretsKey(): Buffer {
  key ??= Buffer.from(hkdfSync("sha256", getEnv().secret, "", "kiln secrets at rest v1", 32));
  return key;
}

export function encryptSecret(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", secretsKey(), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), ciphertext].map((p) => p.toString("base64url")).join(".");
}

/** The plaintext, or an error if the value was tampered with or sealed under another secret. */
export function decryptSecret(sealed: string): string {
  const [version, iv, tag, ciphertext] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || ciphertext === undefined) {
    throw new Error("not a sealed secret");
  }
  const decipher = createDecipheriv("aes-256-gcm", secretsKey(), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([
    decipher.update(Buffer.from(ciphertext, "base64url")),
    decipher.final(),
  ]).toString("utf8");
}

/**
 * How a secret is shown once stored: enough to recognise it, never enough to help guess it. At
 * most its last 4 characters, and at most a quarter of it (none under 8 characters); a long key's
 * vendor label ("sk-", "ghp_"), the same in every key of its kind, is shown too.
 */
export function secretHint(secret: string): string {
  const trimmed = secret.trim();
  const label = trimmed.length >= 20 ? (/^[A-Za-z]{2,4}[-_]/.exec(trimmed)?.[0] ?? "") : "";
  const rest = trimmed.slice(label.length);
  const shown = rest.length < 8 ? 0 : Math.min(4, Math.floor(rest.length / 4));
  return `${label}…${rest.slice(rest.length - shown)}`;
}
