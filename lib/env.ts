import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import packageJson from "../package.json" with { type: "json" };

// The one reader of process.env. Empty strings count as unset, so `FOO=` in a .env file
// means "use the default" rather than "the empty value".

const windowSpec = z
  .string()
  .regex(/^\d+\/\d+(ms|s|m|h)$/, 'expected "<count>/<window>", for example "100/15m"');

const booleanFlag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/**
 * The 32 bytes of a KILN_SECRET written as 64 hex characters or in base64 (`openssl rand
 * -base64 32`), standard or URL-safe, with or without its padding; undefined for anything else.
 */
export function decodeSecret(text: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, "hex");
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return undefined;
  // Node's base64 decoder reads both alphabets; 43 characters carry 258 bits, so the last two
  // must be zero for the text to be the encoding of 32 bytes and not a mistyped longer one.
  const bytes = Buffer.from(text.replace(/=$/, ""), "base64");
  const canonical = bytes.toString("base64url");
  return canonical === text.replace(/=$/, "").replaceAll("+", "-").replaceAll("/", "_")
    ? bytes
    : undefined;
}

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATA_DIR: z.string().default("./.kiln"),
  DATABASE_URL: z.url().optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOSTNAME: z.string().default("0.0.0.0"),
  KILN_SECRET: z
    .string()
    .refine((text) => decodeSecret(text) !== undefined, {
      error:
        "expected 32 bytes as 64 hex characters or in base64 (openssl rand -hex 32, or openssl rand -base64 32)",
    })
    .optional(),
  KILN_ALLOW_SIGNUP: booleanFlag.default(true),
  KILN_PASSWORD_SCRYPT_N: z.coerce
    .number()
    .int()
    .min(16_384)
    .max(2 ** 20)
    .refine((n) => (n & (n - 1)) === 0, "must be a power of two")
    .default(131_072),
  KILN_TRUST_PROXY: z
    .union([booleanFlag, z.coerce.number().int().min(0).max(10)])
    .default(false)
    .transform((v) => (v === true ? 1 : v === false ? 0 : v)),
  KILN_ORIGIN: z.url().optional(),
  // Sandbox previews are served at `<token>.<this domain>`: a wildcard DNS name (and TLS
  // certificate) pointing at Kiln in production. Unset: `preview.localhost`, which browsers
  // resolve to this machine.
  KILN_PREVIEW_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(
      /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/,
      "must be a domain name such as preview.example.com",
    )
    .optional(),
  KILN_SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 30),
  // How often a quiet SSE stream sends a comment, so proxies do not time it out.
  KILN_SSE_HEARTBEAT_MS: z.coerce.number().int().min(10).max(300_000).default(15_000),
  KILN_AUTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  KILN_WORKERS: z.coerce.number().int().min(0).max(64).default(2),
  // How long a job stays with a worker that stops renewing it (a crashed process) before
  // another worker takes it again; renewed every third of it.
  KILN_JOB_LEASE_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  // Tokens a build run may spend on model calls before it is stopped.
  KILN_RUN_TOKEN_BUDGET: z.coerce.number().int().min(1000).default(2_000_000),
  KILN_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  KILN_RATE_LIMIT_GENERAL: windowSpec.default("100/15m"),
  KILN_RATE_LIMIT_LLM: windowSpec.default("10/1m"),
  KILN_RATE_LIMIT_GITHUB: windowSpec.default("30/1m"),
  KILN_RATE_LIMIT_DEPLOY: windowSpec.default("20/1m"),
  KILN_RATE_LIMIT_LOGIN: windowSpec.default("10/15m"),
  KILN_RATE_LIMIT_LOGIN_ADDRESS: windowSpec.default("30/15m"),
  KILN_RATE_LIMIT_LOGIN_EMAIL: windowSpec.default("50/15m"),
  KILN_RATE_LIMIT_TIER_FREE: z.coerce.number().int().min(1).default(60),
  KILN_RATE_LIMIT_TIER_PRO: z.coerce.number().int().min(1).default(300),
  KILN_RATE_LIMIT_TIER_ENTERPRISE: z.coerce.number().int().min(1).default(1000),
  KILN_RATE_LIMIT_SESSION_GENERAL: windowSpec.default("600/1m"),
  KILN_RATE_LIMIT_SESSION_LLM: windowSpec.default("60/1m"),
  KILN_RATE_LIMIT_SESSION_GITHUB: windowSpec.default("300/1m"),
  KILN_RATE_LIMIT_SESSION_DEPLOY: windowSpec.default("60/1m"),
  UPSTASH_REDIS_REST_URL: z.url().optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().optional(),
  NEXT_PUBLIC_SUPABASE_URL: z.url().optional(),
  NEXT_PUBLIC_SUPABASE_ANON_KEY: z.string().optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().optional(),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.url().optional(),
  KILN_DEFAULT_MODEL: z.string().optional(),
  KILN_CLIENT_BASE_URLS: z.enum(["off", "public", "any"]).default("public"),
  KILN_MODEL_FIRST_BYTE_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  KILN_MODEL_TIMEOUT_MS: z.coerce.number().int().min(100).default(300_000),
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_BASE_URL: z.url().default("https://api.anthropic.com/v1"),
  GOOGLE_GENERATIVE_AI_API_KEY: z.string().optional(),
  GOOGLE_GENERATIVE_AI_BASE_URL: z
    .url()
    .default("https://generativelanguage.googleapis.com/v1beta"),
  MORPH_API_KEY: z.string().optional(),
  MORPH_BASE_URL: z.url().default("https://api.morphllm.com/v1"),
  MORPH_MODEL: z.string().default("morph-v3-fast"),
  E2B_API_KEY: z.string().optional(),
  E2B_DOMAIN: z.string().default("e2b.app"),
  E2B_API_URL: z.url().optional(),
  E2B_SANDBOX_URL: z.url().optional(),
  GITHUB_API_URL: z.url().default("https://api.github.com"),
  // The operator's own token, for a single-user install: used only while Kiln has one account.
  GITHUB_TOKEN: z.string().optional(),
  // How long one call to GitHub may take before it is a 504.
  KILN_GITHUB_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  // What one import from GitHub may bring in: files, unpacked megabytes, and time.
  KILN_GITHUB_IMPORT_MAX_FILES: z.coerce.number().int().min(1).max(100_000).default(1000),
  KILN_GITHUB_IMPORT_MAX_MB: z.coerce.number().int().min(1).max(10_000).default(50),
  KILN_GITHUB_IMPORT_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(120_000),
  // Workspace files (/api/files): the largest file, all of one user's files together, and the
  // largest request body of a batch write (base64 makes bytes a third larger).
  KILN_FILES_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(5 * 1024 * 1024),
  KILN_FILES_MAX_USER_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(250 * 1024 * 1024),
  KILN_FILES_MAX_BATCH_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  KILN_SANDBOX_BWRAP: z.string().default("bwrap"),
  KILN_SANDBOX_INSTALL_NETWORK: z.enum(["off", "on"]).default("off"),
  // How long one step of a build run's verification (install, build, test) may take.
  KILN_VERIFY_STEP_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(300_000),
  // How much of a verification's output becomes events (KiB, all its steps together).
  KILN_VERIFY_OUTPUT_MAX_KB: z.coerce
    .number()
    .int()
    .min(1)
    .max(64 * 1024)
    .default(256),
  KILN_SANDBOX_LIFETIME_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
  KILN_SANDBOX_MAX_PER_USER: z.coerce.number().int().min(1).max(1000).default(5),
  KILN_SANDBOX_MAX_TOTAL: z.coerce.number().int().min(1).max(100_000).default(20),
  // A Next.js sandbox kept warm (dev server started, page compiled) for the next Next.js Run.
  KILN_SANDBOX_NEXT_SPARE: z.enum(["on", "off"]).default("on"),
  KILN_SANDBOX_DISK_MB: z.coerce
    .number()
    .int()
    .min(64)
    .max(1024 * 1024)
    .default(2048),
  // How long a run's zip export can be downloaded, and how often expired ones are deleted.
  KILN_EXPORT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(7 * 24 * 3600),
  KILN_EXPORT_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600),
  // The host address a deployment's own port listens on, when a deployment asks for a port.
  KILN_DEPLOY_HOST: z.string().trim().min(1).default("127.0.0.1"),
  // Deployments one user may have deploying or live at once.
  KILN_DEPLOY_MAX_PER_USER: z.coerce.number().int().min(1).max(10_000).default(5),
  // Remote deployment providers, reached with each user's own token (saved in Settings).
  VERCEL_API_URL: z.url().default("https://api.vercel.com"),
  NETLIFY_API_URL: z.url().default("https://api.netlify.com"),
  // How long one call to a provider may take, how often a remote deployment's state is asked
  // for, and how long it may take to become ready before Kiln fails it.
  KILN_DEPLOY_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  KILN_DEPLOY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(2_000),
  KILN_DEPLOY_REMOTE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(600_000),
});

/** Every variable Kiln reads; .env.example lists each of them (a unit test checks). */
export const envKeys = Object.keys(envSchema.shape);

export type Env = z.infer<typeof envSchema> & {
  dataDir: string;
  secret: Buffer;
  isProduction: boolean;
  isSupabaseAuth: boolean;
};

export class EnvError extends Error {
  readonly issues: string[];

  constructor(issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "EnvError";
    this.issues = issues;
  }
}

export function parseEnv(source: Record<string, string | undefined>) {
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
    );
  }
  const env = result.data;
  const pairs: [string, string][] = [
    ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"],
    ["NEXT_PUBLIC_SUPABASE_URL", "NEXT_PUBLIC_SUPABASE_ANON_KEY"],
  ];
  for (const [a, b] of pairs) {
    if (Boolean(cleaned[a]) !== Boolean(cleaned[b])) {
      throw new EnvError([`${cleaned[a] ? b : a}: required when ${cleaned[a] ? a : b} is set`]);
    }
  }
  return env;
}

// Generated once per data directory so that a fresh clone needs no configuration, and kept
// there so that encrypted secrets survive restarts.
function loadOrCreateSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, "secret");
  try {
    return Buffer.from(readFileSync(file, "utf8").trim(), "hex");
  } catch {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(32);
    try {
      writeFileSync(file, secret.toString("hex"), { mode: 0o600, flag: "wx" });
      return secret;
    } catch {
      // Another process created it first: use theirs.
      return Buffer.from(readFileSync(file, "utf8").trim(), "hex");
    }
  }
}

let cached: Env | undefined;

export function getEnv(): Env {
  if (cached) return cached;
  const env = parseEnv(process.env);
  const dataDir = path.resolve(env.DATA_DIR);
  cached = {
    ...env,
    dataDir,
    secret: env.KILN_SECRET ? decodeSecret(env.KILN_SECRET)! : loadOrCreateSecret(dataDir),
    isProduction: env.NODE_ENV === "production",
    isSupabaseAuth: Boolean(env.NEXT_PUBLIC_SUPABASE_URL && env.NEXT_PUBLIC_SUPABASE_ANON_KEY),
  };
  return cached;
}

export const appVersion: string = packageJson.version;
