import { z } from "zod";
import { appVersion } from "@/lib/env";
import { errorStatus } from "@/lib/errors";
import { type RouteContract, surfaceOf } from "@/lib/route-contract";
import { allContracts } from "./contracts";

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  });
  return rest;
};

const apiErrorSchema: JsonSchema = {
  type: "object",
  required: ["error", "message"],
  properties: {
    error: { const: true },
    message: { type: "string" },
    code: { type: "string", description: "A finer reason, such as model_not_configured" },
  },
};

const v1ErrorSchema: JsonSchema = {
  type: "object",
  required: ["success", "error"],
  properties: {
    success: { const: false },
    error: {
      type: "object",
      required: ["code", "message", "details"],
      properties: {
        code: { enum: Object.keys(errorStatus) },
        message: { type: "string" },
        details: { type: "object" },
      },
    },
  },
};

const paginationSchema: JsonSchema = {
  type: "object",
  required: ["page", "pageSize", "total", "totalPages"],
  properties: Object.fromEntries(
    ["page", "pageSize", "total", "totalPages"].map((k) => [k, { type: "integer" }]),
  ),
};

function successSchema(contract: RouteContract): JsonSchema {
  const data = toSchema(contract.response, "output");
  if (contract.bare || surfaceOf(contract.path) === "api") return data;
  return {
    type: "object",
    required: ["success", "data", ...(contract.paginated ? ["pagination"] : [])],
    properties: {
      success: { const: true },
      data,
      ...(contract.paginated ? { pagination: paginationSchema } : {}),
    },
  };
}

function parameters(contract: RouteContract) {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ["path", contract.params],
    ["query", contract.query],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema, "input") as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      out.push({
        name,
        in: where,
        required: where === "path" || (json.required ?? []).includes(name),
        schema: property,
      });
    }
  }
  return out;
}

function errorResponses(contract: RouteContract) {
  const ref = {
    $ref: `#/components/schemas/${surfaceOf(contract.path) === "v1" ? "V1Error" : "ApiError"}`,
  };
  const statuses = [
    400,
    405,
    500,
    ...(contract.auth !== "public" ? [401, 403] : []),
    ...(contract.params ? [404] : []),
    ...(contract.body ? [413, 415] : []),
    ...(contract.rateLimit !== false ? [429] : []),
  ].sort((x, y) => x - y);
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      { description: `Error (${status})`, content: { "application/json": { schema: ref } } },
    ]),
  );
}

function operation(contract: RouteContract) {
  const op: JsonSchema = {
    operationId: `${contract.method.toLowerCase()}${contract.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
    summary: contract.summary,
    tags: contract.tags,
    security:
      contract.auth === "public"
        ? []
        : contract.auth === "session"
          ? [{ session: [] }]
          : [{ apiKey: [] }, { session: [] }],
    parameters: parameters(contract),
    responses: {
      [String(contract.status ?? 200)]: {
        description: "Success",
        content: contract.mediaType
          ? {
              [contract.mediaType]: {
                schema: { type: "string", contentMediaType: contract.mediaType },
              },
            }
          : { "application/json": { schema: successSchema(contract) } },
      },
      ...errorResponses(contract),
    },
  };
  if (contract.body) {
    op.requestBody = {
      required: true,
      content: { "application/json": { schema: toSchema(contract.body, "input") } },
    };
  }
  return op;
}

/** The OpenAPI 3.1 document, built from the same contracts that validate requests. */
export function buildOpenApiDocument(contracts: RouteContract[] = allContracts) {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const contract of contracts) {
    paths[contract.path] ??= {};
    paths[contract.path]![contract.method.toLowerCase()] = operation(contract);
  }
  return {
    openapi: "3.1.0" as const,
    info: {
      title: "Kiln API",
      version: appVersion,
      description:
        "/api/* answers plain JSON with errors as { error, message }; /api/v1/* (also /v1/*) answers { success, data } with errors as { success: false, error: { code, message, details } }.",
    },
    tags: [...new Set(contracts.flatMap((c) => c.tags))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "An API key from Settings: kiln_...",
        },
        session: { type: "apiKey", in: "cookie", name: "kiln_session" },
      },
      schemas: { ApiError: apiErrorSchema, V1Error: v1ErrorSchema },
    },
  };
}
