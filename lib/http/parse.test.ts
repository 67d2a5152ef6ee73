import { describe, expect, test } from "vitest";
import { z } from "zod";
import { KilnError } from "@/lib/errors";
import { findNul, parseWith, readJsonBody, searchParamsToObject } from "./parse";

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("http://kiln.test/api/x", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);

async function refusal(promise: Promise<unknown>): Promise<KilnError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KilnError);
  return error as KilnError;
}

describe("readJsonBody", () => {
  test("parses JSON, including +json media types", async () => {
    expect(await readJsonBody(post('{"a":1}'), 1024)).toEqual({ a: 1 });
    const vendor = post("[1,2]", { "content-type": "application/vnd.kiln+json; charset=utf-8" });
    expect(await readJsonBody(vendor, 1024)).toEqual([1, 2]);
  });

  test("an empty body is undefined, not an error", async () => {
    expect(await readJsonBody(post(""), 1024)).toBeUndefined();
    expect(await readJsonBody(new Request("http://kiln.test/", { method: "POST" }), 1024)).toBe(
      undefined,
    );
  });

  test("malformed JSON is a 400 that says so", async () => {
    const error = await refusal(readJsonBody(post('{"a":'), 1024));
    expect(error.status).toBe(400);
    expect(error.message).toBe("Malformed JSON in request body");
  });

  test("another media type is 415", async () => {
    const error = await refusal(readJsonBody(post("a=1", { "content-type": "text/plain" }), 1024));
    expect(error.status).toBe(415);
  });

  test("a declared length over the limit is 413 before anything is read", async () => {
    const error = await refusal(readJsonBody(post("{}", { "content-length": "2048" }), 1024));
    expect(error.status).toBe(413);
    expect(error.message).toBe("Request body is larger than 1024 bytes");
  });

  test("a streamed body that grows past the limit is 413 and reading stops", async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(512).fill(32));
        if (pulled > 100) controller.close();
      },
    });
    const error = await refusal(readJsonBody(post(stream), 1024));
    expect(error.status).toBe(413);
    expect(pulled).toBeLessThan(10);
  });
});

describe("parseWith", () => {
  const schema = z.object({ name: z.string().min(1), tags: z.array(z.string()).optional() });

  test("returns the parsed value", () => {
    expect(parseWith(schema, { name: "x", extra: 1 }, "body")).toEqual({ name: "x" });
  });

  test("a validation failure is 400 naming the field, with every issue in details", () => {
    let error: KilnError | undefined;
    try {
      parseWith(schema, { name: "", tags: [1] }, "body");
    } catch (e) {
      error = e as KilnError;
    }
    expect(error?.status).toBe(400);
    expect(error?.code).toBe("VALIDATION_ERROR");
    expect(error?.message).toMatch(/^name: /);
    expect(error?.details).toMatchObject({
      in: "body",
      issues: [{ field: "name" }, { field: "tags.0" }],
    });
  });

  test("a failure of the whole value is named by where it came from", () => {
    expect(() => parseWith(z.string(), 5, "query")).toThrow(/^query: /);
  });
  test.each([
    [{ name: "a\u0000b" }, "body", "name"],
    [{ name: "x", tags: ["ok", "\u0000"] }, "body", "tags.1"],
    [{ name: "x", nested: { deeper: [{ "key\u0000": 1 }] } }, "body", "nested.deeper.0.key\u0000"],
    [{ path: "src/\u0000.py" }, "query", "path"],
    ["sbx_\u0000", "path", "path"],
  ] as const)(
    "a NUL anywhere in %j is a 400 naming its field, before the schema",
    (value, where, field) => {
      let error: KilnError | undefined;
      try {
        // A schema that would take anything: the NUL is refused whatever the endpoint accepts.
        parseWith(z.unknown(), value, where);
      } catch (e) {
        error = e as KilnError;
      }
      expect(error?.status).toBe(400);
      expect(error?.code).toBe("VALIDATION_ERROR");
      expect(error?.message).toBe(`${field}: must not contain NUL characters (\\u0000)`);
      expect(error?.details).toEqual({
        in: where,
        issues: [{ field, message: "must not contain NUL characters (\\u0000)" }],
      });
    },
  );

  test("a body nested far deeper than any stack finds its NUL all the same", () => {
    const depth = 200_000;
    const value = JSON.parse(`${"[".repeat(depth)}"\\u0000"${"]".repeat(depth)}`);
    expect(findNul(value)).toHaveLength(depth);
    expect(findNul(JSON.parse(`${"[".repeat(depth)}"ok"${"]".repeat(depth)}`))).toBeUndefined();
  });
});

test("searchParamsToObject keeps repeated parameters as lists", () => {
  expect(searchParamsToObject(new URLSearchParams("a=1&b=2&b=3"))).toEqual({
    a: "1",
    b: ["2", "3"],
  });
});
