import "server-only";
import type { z } from "zod";
import { KilnError } from "@/lib/errors";
import { readCapped } from "@/lib/read-capped";

export function validationError(error: z.ZodError, where: "body" | "query" | "path"): KilnError {
  const issues = error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join(".") : where,
    message: issue.message,
  }));
  const first = issues[0]!;
  return new KilnError("VALIDATION_ERROR", `${first.field}: ${first.message}`, {
    details: { in: where, issues },
  });
}

/**
 * Where the first NUL character is in a value parsed from a request (a string, or an object
 * key), as a field path; undefined when there is none. Postgres refuses NUL in text and jsonb
 * alike, and no text Kiln takes (names, messages, commands, keys, file contents) needs one.
 */
export function findNul(value: unknown): (string | number)[] | undefined {
  // Iterative, and each step names only its own key, so that a deeply nested body can neither
  // overflow the stack nor cost more than its size.
  interface Step {
    value: unknown;
    key?: string | number;
    parent?: Step;
  }
  const pathOf = (step: Step | undefined, last?: string): (string | number)[] => {
    const path: (string | number)[] = last === undefined ? [] : [last];
    for (let s = step; s?.parent; s = s.parent) path.push(s.key!);
    return path.reverse();
  };
  const stack: Step[] = [{ value }];
  for (let step = stack.pop(); step; step = stack.pop()) {
    const item = step.value;
    if (typeof item === "string") {
      if (item.includes("\0")) return pathOf(step);
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--)
        stack.push({ value: item[i], key: i, parent: step });
    } else if (item !== null && typeof item === "object") {
      const keys = Object.keys(item);
      for (const key of keys) if (key.includes("\0")) return pathOf(step, key);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        stack.push({ value: (item as Record<string, unknown>)[key], key, parent: step });
      }
    }
  }
  return undefined;
}

export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: "body" | "query" | "path",
): z.output<T> {
  const nulAt = findNul(value);
  if (nulAt) {
    const field = nulAt.length > 0 ? nulAt.join(".") : where;
    const message = "must not contain NUL characters (\\u0000)";
    throw new KilnError("VALIDATION_ERROR", `${field}: ${message}`, {
      details: { in: where, issues: [{ field, message }] },
    });
  }
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

/** Reads a JSON body, refusing more than `limit` bytes whatever Content-Length claims. */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const type = request.headers.get("content-type") ?? "";
  if (!request.body) return undefined;
  if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new KilnError(
      "UNSUPPORTED_MEDIA_TYPE",
      "Request body must be JSON (Content-Type: application/json)",
    );
  }
  const body = await readCapped(request.body, limit);
  if (!body) throw tooLarge(limit);
  if (body.byteLength === 0) return undefined;
  const text = body.toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new KilnError("VALIDATION_ERROR", "Malformed JSON in request body", {
      details: { in: "body" },
    });
  }
}

function tooLarge(limit: number) {
  return new KilnError("PAYLOAD_TOO_LARGE", `Request body is larger than ${limit} bytes`, {
    details: { limit },
  });
}

export function searchParamsToObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}
