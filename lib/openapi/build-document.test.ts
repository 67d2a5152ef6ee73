import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { buildOpenApiDocument } from "./build-document";
import { allContracts } from "./contracts";

const root = path.join(import.meta.dirname, "..", "..");

interface Operation {
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
  parameters: { name: string; in: string; required: boolean }[];
  security: unknown[];
}

describe("the OpenAPI document", () => {
  const document = buildOpenApiDocument() as unknown as {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };

  test("is OpenAPI 3.1 with every contract as an operation", () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    const operations = Object.entries(document.paths).flatMap(([p, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(operations.sort()).toEqual(allContracts.map((c) => `${c.method} ${c.path}`).sort());
  });

  test("request bodies, path parameters and both error shapes are described", () => {
    const create = document.paths["/api/v1/api-keys"]?.post;
    expect(create?.requestBody?.content["application/json"]?.schema).toMatchObject({
      type: "object",
      required: ["name"],
    });
    expect(create?.responses["201"]?.content?.["application/json"]?.schema).toMatchObject({
      required: ["success", "data"],
    });
    expect(create?.responses["400"]?.content?.["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/V1Error",
    });
    const revoke = document.paths["/api/v1/api-keys/{id}"]?.delete;
    expect(revoke?.parameters).toContainEqual(expect.objectContaining({ name: "id", in: "path" }));
    expect(revoke?.responses["404"]).toBeDefined();
    const signup = document.paths["/api/auth/signup"]?.post;
    expect(signup?.responses["400"]?.content?.["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/ApiError",
    });
    expect(signup?.security).toEqual([]);
    expect(document.components.schemas).toHaveProperty("V1Error");
    expect(document.components.schemas).toHaveProperty("ApiError");
  });

  test("every operation has its body, success schema and {param}-style path parameters", () => {
    for (const contract of allContracts) {
      const op = document.paths[contract.path]?.[contract.method.toLowerCase()];
      const name = `${contract.method} ${contract.path}`;
      expect(contract.path, name).not.toMatch(/[:[\]]/);
      expect(Boolean(op?.requestBody), name).toBe(Boolean(contract.body));
      const success = op?.responses[String(contract.status ?? 200)];
      const media = contract.mediaType ?? "application/json";
      expect(success?.content?.[media]?.schema, name).toBeTypeOf("object");
      const pathParams = [...contract.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(
        op?.parameters.filter((p) => p.in === "path" && p.required).map((p) => p.name),
        name,
      ).toEqual(pathParams);
    }
  });

  test("health is described bare, as the seed has it", () => {
    const health = document.paths["/health"]?.get;
    const schema = health?.responses["200"]?.content?.["application/json"]?.schema;
    expect(schema?.required).toEqual(expect.arrayContaining(["status", "version", "components"]));
  });
});

// Route files that are deliberately not API operations.
const notOperations = new Set([
  "ANY /api/{...path}", // the JSON 404 for unknown /api paths
  "GET /auth/callback", // where Supabase's email links land: a browser redirect
  "GET /auth/github", // "Continue with GitHub": a browser redirect to Supabase
  "ANY /api/sandbox/{id}/preview/{...path}", // an older preview address: a redirect to its origin
]);

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

function urlPathOf(file: string): string {
  const segments = path
    .relative(path.join(root, "app"), path.dirname(file))
    .split(path.sep)
    .filter((s) => !/^\(.*\)$/.test(s))
    .map((s) => s.replace(/^\[(\.\.\.)?(.+)\]$/, (_, rest, name) => `{${rest ?? ""}${name}}`));
  return `/${segments.join("/")}`;
}

function exportedMethods(source: string): string[] {
  if (source.includes("routeMethods(")) {
    return [...source.matchAll(/^\s+(GET|POST|PUT|PATCH|DELETE): apiRoute\(/gm)].map(
      (m) => m[1] as string,
    );
  }
  const direct = [
    ...source.matchAll(/export (?:async )?function (GET|POST|PUT|PATCH|DELETE)\b/g),
    ...source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g),
    ...source.matchAll(/\w+ as (GET|POST|PUT|PATCH|DELETE)\b/g),
  ].map((m) => m[1] as string);
  return direct.length >= 5 ? ["ANY"] : direct;
}

test("every route file's methods are contracts, and every contract has a route file", () => {
  const served = routeFiles(path.join(root, "app")).flatMap((file) =>
    exportedMethods(readFileSync(file, "utf8")).map((m) => `${m} ${urlPathOf(file)}`),
  );
  // A catch-all file ([...path]) is an ordinary {path} parameter in the document.
  const fromFiles = served
    .filter((op) => !notOperations.has(op))
    .map((op) => op.replace(/\{\.\.\.(\w+)\}/g, "{$1}"))
    .sort();
  expect(fromFiles).toEqual(allContracts.map((c) => `${c.method} ${c.path}`).sort());
  // The exceptions above still exist: a stale entry would hide a future route.
  for (const op of notOperations) expect(served).toContain(op);
});
