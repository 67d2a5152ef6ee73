import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { decodeSecret, EnvError, envKeys, parseEnv } from "./env";

const errorOf = (source: Record<string, string>) => {
  try {
    parseEnv(source);
  } catch (error) {
    return error as EnvError;
  }
  throw new Error("expected parseEnv to throw");
};

describe("parseEnv", () => {
  test("defaults give an embedded, local setup", () => {
    const env = parseEnv({});
    expect(env.DATA_DIR).toBe("./.kiln");
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.KILN_ALLOW_SIGNUP).toBe(true);
    expect(env.KILN_TRUST_PROXY).toBe(0);
    expect(env.KILN_RATE_LIMIT_GENERAL).toBe("100/15m");
    expect(env.KILN_RATE_LIMIT_LLM).toBe("10/1m");
    expect(env.KILN_RATE_LIMIT_GITHUB).toBe("30/1m");
    expect(env.KILN_RATE_LIMIT_DEPLOY).toBe("20/1m");
    expect([
      env.KILN_RATE_LIMIT_TIER_FREE,
      env.KILN_RATE_LIMIT_TIER_PRO,
      env.KILN_RATE_LIMIT_TIER_ENTERPRISE,
    ]).toEqual([60, 300, 1000]);
  });

  test("an empty value means unset", () => {
    expect(parseEnv({ DATABASE_URL: "", KILN_TRUST_PROXY: "" }).DATABASE_URL).toBeUndefined();
  });

  test("KILN_TRUST_PROXY takes a flag or a hop count", () => {
    expect(parseEnv({ KILN_TRUST_PROXY: "true" }).KILN_TRUST_PROXY).toBe(1);
    expect(parseEnv({ KILN_TRUST_PROXY: "false" }).KILN_TRUST_PROXY).toBe(0);
    expect(parseEnv({ KILN_TRUST_PROXY: "2" }).KILN_TRUST_PROXY).toBe(2);
  });

  test.each([
    ["KILN_TRUST_PROXY", "maybe"],
    ["KILN_RATE_LIMIT_GENERAL", "100"],
    ["KILN_RATE_LIMIT_LLM", "ten/1m"],
    ["DATABASE_URL", "not-a-url"],
    ["KILN_SECRET", "abc123"],
    ["KILN_ALLOW_SIGNUP", "yes please"],
    ["KILN_SESSION_TTL_HOURS", "0"],
    ["NODE_ENV", "staging"],
  ])("a bad %s is refused by name", (name, value) => {
    const error = errorOf({ [name]: value });
    expect(error).toBeInstanceOf(EnvError);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatch(new RegExp(`^${name}: `));
    expect(error.message).toContain(name);
  });

  test("PORT and HOSTNAME default to 3000 on every interface, and take what they are given", () => {
    expect(parseEnv({})).toMatchObject({ PORT: 3000, HOSTNAME: "0.0.0.0" });
    expect(parseEnv({ PORT: "3900", HOSTNAME: "127.0.0.1" })).toMatchObject({
      PORT: 3900,
      HOSTNAME: "127.0.0.1",
    });
    expect(errorOf({ PORT: "http" }).issues[0]).toMatch(/^PORT: /);
    expect(errorOf({ PORT: "70000" }).issues[0]).toMatch(/^PORT: /);
  });

  test("KILN_SECRET takes 32 bytes in hex or in any base64 spelling", () => {
    const bytes = randomBytes(32);
    for (const text of [
      bytes.toString("hex"),
      bytes.toString("hex").toUpperCase(),
      bytes.toString("base64"),
      bytes.toString("base64").replace(/=$/, ""),
      bytes.toString("base64url"),
      `${bytes.toString("base64url")}=`,
    ]) {
      expect(parseEnv({ KILN_SECRET: text }).KILN_SECRET).toBe(text);
      expect(decodeSecret(text)).toEqual(bytes);
    }
  });

  test.each([
    ["31 bytes in hex", randomBytes(31).toString("hex")],
    ["33 bytes in hex", randomBytes(33).toString("hex")],
    ["31 bytes in base64", randomBytes(31).toString("base64")],
    ["33 bytes in base64", randomBytes(33).toString("base64")],
    ["a passphrase", "correct horse battery staple, quite long enough"],
    ["base64 whose last character carries stray bits", `${"A".repeat(42)}B=`],
  ])("KILN_SECRET refuses %s with the same clear message", (_, text) => {
    expect(decodeSecret(text)).toBeUndefined();
    expect(errorOf({ KILN_SECRET: text }).issues).toEqual([
      "KILN_SECRET: expected 32 bytes as 64 hex characters or in base64 (openssl rand -hex 32, or openssl rand -base64 32)",
    ]);
  });

  test("every bad variable is reported at once", () => {
    const error = errorOf({ KILN_TRUST_PROXY: "maybe", DATABASE_URL: "nope" });
    expect(error.issues.map((i) => i.split(":")[0]).sort()).toEqual([
      "DATABASE_URL",
      "KILN_TRUST_PROXY",
    ]);
  });

  test.each([
    [{ UPSTASH_REDIS_REST_URL: "https://x.upstash.io" }, "UPSTASH_REDIS_REST_TOKEN"],
    [{ UPSTASH_REDIS_REST_TOKEN: "t" }, "UPSTASH_REDIS_REST_URL"],
    [{ NEXT_PUBLIC_SUPABASE_URL: "https://p.supabase.co" }, "NEXT_PUBLIC_SUPABASE_ANON_KEY"],
    [{ NEXT_PUBLIC_SUPABASE_ANON_KEY: "k" }, "NEXT_PUBLIC_SUPABASE_URL"],
  ])("half a pair names the missing partner (%o)", (source, missing) => {
    expect(errorOf(source).issues).toEqual([
      `${missing}: required when ${Object.keys(source)[0]} is set`,
    ]);
  });
});

describe(".env.example", () => {
  const text = readFileSync(path.join(import.meta.dirname, "..", ".env.example"), "utf8");
  const listed = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => ({
    name: m[1] as string,
    value: m[2] as string,
  }));

  test("lists every variable Kiln reads, and nothing else", () => {
    expect(listed.map((v) => v.name).sort()).toEqual([...envKeys].sort());
  });

  test("its values are the defaults: the file as it is parses to the defaults", () => {
    const source = Object.fromEntries(listed.map((v) => [v.name, v.value]));
    expect(parseEnv(source)).toEqual(parseEnv({}));
  });
});
