import "server-only";

// Structured one-line JSON logs. Anything that looks like a credential is masked before it is
// written, so a careless `log.error({ headers })` cannot leak a key.

const secretKey = /pass(word)?|secret|token|authorization|cookie|api[-_]?key|private/i;
const secretValue =
  /\b(Bearer\s+[A-Za-z0-9._~+/=-]+|kiln_[A-Za-z0-9_-]{8,}|AIza[0-9A-Za-z_-]{35}|sk-ant-[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|sk-[A-Za-z0-9_-]{8,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)/g;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(secretValue, "[redacted]");
  if (value === null || typeof value !== "object") return value;
  // Deeper than this is cut off rather than written unmasked (and a cycle ends here).
  if (depth > 6) return "[truncated]";
  if (value instanceof Error) {
    return { name: value.name, message: redact(value.message), stack: redact(value.stack) };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      secretKey.test(k) ? "[redacted]" : redact(v, depth + 1),
    ]),
  );
}

type Level = "debug" | "info" | "warn" | "error";

function write(level: Level, message: string, fields?: Record<string, unknown>) {
  const line = JSON.stringify({
    time: new Date().toISOString(),
    level,
    message: redact(message),
    ...(fields ? (redact(fields) as Record<string, unknown>) : {}),
  });
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write("error", message, fields),
};
