import { expect, test } from "vitest";
import { buildOpenApiDocument } from "@/lib/openapi/build-document";

test("the OpenAPI document describes the export download as a zip, not JSON", () => {
  const document = buildOpenApiDocument() as unknown as {
    paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
  };
  const download = document.paths["/api/v1/projects/{projectId}/exports/{exportId}/download"]?.get;
  expect(download?.responses["200"]?.content).toEqual({
    "application/zip": { schema: { type: "string", contentMediaType: "application/zip" } },
  });
  const create = document.paths["/api/v1/projects/{projectId}/export"]?.post;
  expect(Object.keys(create?.responses["202"]?.content ?? {})).toEqual(["application/json"]);
});
