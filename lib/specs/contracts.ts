import { z } from "zod";
import { projectParamsSchema } from "@/lib/projects/schemas";
import { defineContract } from "@/lib/route-contract";
import {
  answersBodySchema,
  approveResultSchema,
  clarifyBodySchema,
  clarifyQuerySchema,
  clarifyResponseSchema,
  diffQuerySchema,
  regenerateBodySchema,
  specDiffSchema,
  specResultSchema,
  specVersionDetailSchema,
  specVersionSummarySchema,
  versionParamsSchema,
} from "./schemas";

export const clarifyContract = defineContract({
  method: "POST",
  path: "/api/v1/projects/{projectId}/clarify",
  summary:
    "The model's clarifying questions (at most 5; none when the description answers everything), each with a recommended answer and why it matters. Asked once: later calls return the same questions unless refresh=true.",
  tags: ["specs"],
  auth: "user",
  params: projectParamsSchema,
  query: clarifyQuerySchema,
  body: clarifyBodySchema,
  response: clarifyResponseSchema,
});

export const answersContract = defineContract({
  method: "POST",
  path: "/api/v1/projects/{projectId}/answers",
  summary:
    "Answer the questions (an unanswered one takes its recommended answer) and get spec version 1: SPEC.md, ACCEPTANCE.md, ROUTES.md and DATA.md. The project moves to spec_review.",
  tags: ["specs"],
  auth: "user",
  params: projectParamsSchema,
  body: answersBodySchema,
  response: specResultSchema,
});

export const approveContract = defineContract({
  method: "POST",
  path: "/api/v1/projects/{projectId}/approve",
  summary: "Approve the latest spec version (only in spec_review); builds use it.",
  tags: ["specs"],
  auth: "user",
  params: projectParamsSchema,
  response: approveResultSchema,
});

export const regenerateContract = defineContract({
  method: "POST",
  path: "/api/v1/projects/{projectId}/regenerate",
  summary:
    "A new spec version from the latest one and your feedback; earlier versions are kept. The project moves (back) to spec_review.",
  tags: ["specs"],
  auth: "user",
  params: projectParamsSchema,
  body: regenerateBodySchema,
  response: specResultSchema,
});

export const listSpecVersionsContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/spec/versions",
  summary: "Every spec version of a project, newest first.",
  tags: ["specs"],
  auth: "user",
  params: projectParamsSchema,
  response: z.array(specVersionSummarySchema),
});

export const getSpecVersionContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/spec/versions/{version}",
  summary: "One spec version: its documents, clarifications and feedback.",
  tags: ["specs"],
  auth: "user",
  params: versionParamsSchema,
  response: specVersionDetailSchema,
});

export const diffSpecVersionsContract = defineContract({
  method: "GET",
  path: "/api/v1/projects/{projectId}/spec/diff",
  summary: "What changed from one spec version to another, per document, as a unified diff.",
  tags: ["specs"],
  auth: "user",
  params: projectParamsSchema,
  query: diffQuerySchema,
  response: specDiffSchema,
});
