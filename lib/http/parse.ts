import "server-only";
import type { z } from "zod";
import { KilnError } from "@/lib/errors";

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

export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: "body" | "query" | "path",
): z.output<T> {
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
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString("utf8");
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
