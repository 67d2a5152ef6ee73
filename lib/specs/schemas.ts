import { z } from "zod";
import { modelConfigSchema, modelSelectionSchema } from "@/lib/ai/schemas";

// Clarifying questions and specs: what the model is asked to produce (checked by validate.ts
// before anything is stored), and what the API answers (seed 001's shapes, with Kiln's
// `recommended` and `why` on each question).

// ---- Questions -------------------------------------------------------------------------------

const questionText = z.string().trim().min(1).max(300);

/** What the model proposes; Kiln numbers them q1..qn. */
export const proposedQuestionSchema = z.object({
  question: questionText,
  type: z.enum(["single_choice", "boolean", "text"]),
  options: z.array(z.string().trim().min(1).max(120)).nullable(),
  recommended: z.union([z.string().max(500), z.boolean()]),
  why: z.string().trim().min(1).max(200),
});
export const proposedQuestionsSchema = z.object({
  questions: z.array(proposedQuestionSchema).max(5),
});
export type ProposedQuestions = z.infer<typeof proposedQuestionsSchema>;

export const questionSchema = z.discriminatedUnion("type", [
  z.object({
    id: z.string(),
    question: z.string(),
    type: z.literal("single_choice"),
    options: z.array(z.string()),
    recommended: z.string(),
    why: z.string(),
  }),
  z.object({
    id: z.string(),
    question: z.string(),
    type: z.literal("boolean"),
    recommended: z.boolean(),
    why: z.string(),
  }),
  z.object({
    id: z.string(),
    question: z.string(),
    type: z.literal("text"),
    recommended: z.string(),
    why: z.string(),
  }),
]);
export type Question = z.infer<typeof questionSchema>;

export const clarifyResponseSchema = z.object({ questions: z.array(questionSchema) });

// ---- Specs -----------------------------------------------------------------------------------

const id = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}-\\d+$`), { error: `must look like ${prefix}-1` });
const line = z.string().trim().min(1).max(500);
const paragraph = z.string().trim().min(1).max(4000);

/** The spec as the model writes it: structure Kiln checks, then renders as four documents. */
export const specDraftSchema = z.object({
  title: line,
  summary: paragraph,
  requirements: z
    .array(
      z.object({
        id: id("FR"),
        title: line,
        description: paragraph,
        priority: z.enum(["must", "should", "could"]),
      }),
    )
    .min(1)
    .max(60),
  acceptance: z
    .array(
      z.object({
        id: id("AC"),
        requirement: id("FR"),
        given: line,
        when: line,
        expected: line,
      }),
    )
    .min(1)
    .max(150),
  routes: z
    .array(
      z.object({
        method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "PAGE"]),
        path: z
          .string()
          .trim()
          .regex(/^\/[\w\-./:{}[\]]*$/, { error: "must be a path" })
          .max(200),
        description: line,
        requirements: z.array(id("FR")).min(1),
        entities: z.array(z.string().trim().min(1).max(60)),
      }),
    )
    .max(80),
  entities: z
    .array(
      z.object({
        name: z
          .string()
          .trim()
          .regex(/^[A-Z][A-Za-z0-9]*$/, { error: "must be PascalCase" }),
        description: line,
        fields: z
          .array(
            z.object({
              name: z
                .string()
                .trim()
                .regex(/^[a-z][A-Za-z0-9_]*$/, { error: "must be camelCase" }),
              type: z.string().trim().min(1).max(60),
              required: z.boolean(),
              description: z.string().trim().max(300),
            }),
          )
          .min(1)
          .max(40),
      }),
    )
    .max(40),
  assumptions: z.array(line).max(20),
});
export type SpecDraft = z.infer<typeof specDraftSchema>;

export const specDocumentNames = ["SPEC.md", "ACCEPTANCE.md", "ROUTES.md", "DATA.md"] as const;
export type SpecDocuments = Record<(typeof specDocumentNames)[number], string>;

export interface Clarification {
  questionId: string;
  question: string;
  answer: string | boolean;
  /** The recommended answer, taken because the question was not answered. */
  assumed: boolean;
}

// ---- Requests and responses ------------------------------------------------------------------

/** The model a request may choose, as in chat; optional. */
const modelChoice = {
  model: modelSelectionSchema.optional(),
  config: modelConfigSchema.optional(),
};
export type ModelChoice = {
  model?: z.infer<typeof modelSelectionSchema>;
  config?: z.infer<typeof modelConfigSchema>;
};

export const clarifyQuerySchema = z.object({
  refresh: z
    .enum(["true", "false"], { error: "must be true or false" })
    .transform((v) => v === "true")
    .optional(),
});
export const clarifyBodySchema = z.object(modelChoice);

export const answersBodySchema = z.object({
  answers: z
    .array(
      z.object({
        questionId: z.string().max(20),
        answer: z.union([z.string().max(2000), z.boolean()]),
      }),
    )
    .max(20),
  ...modelChoice,
});
export type AnswersBody = z.infer<typeof answersBodySchema>;

export const regenerateBodySchema = z.object({
  feedback: z.string().trim().max(4000).optional(),
  ...modelChoice,
});

const specVersionSchema = z.object({
  version: z.number().int(),
  documents: z.record(z.string(), z.string()),
  approvedAt: z.iso.datetime().nullable(),
});

export const specResultSchema = z.object({
  status: z.string(),
  spec: specVersionSchema,
});

export const approveResultSchema = z.object({
  status: z.literal("approved"),
  spec: z.object({ version: z.number().int(), approvedAt: z.iso.datetime() }),
});

export const specVersionSummarySchema = z.object({
  version: z.number().int(),
  feedback: z.string().nullable(),
  approvedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});

export const specVersionDetailSchema = specVersionSchema.extend({
  feedback: z.string().nullable(),
  createdAt: z.iso.datetime(),
  clarifications: z
    .array(
      z.object({
        questionId: z.string(),
        question: z.string(),
        answer: z.union([z.string(), z.boolean()]),
        assumed: z.boolean(),
      }),
    )
    .nullable(),
});

export const versionParamsSchema = z.object({
  projectId: z.string().regex(/^proj_[a-z0-9]+$/, { error: "is not a project id" }),
  version: z.coerce
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" }),
});

export const diffQuerySchema = z.object({
  from: z.coerce
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" }),
  to: z.coerce
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" }),
});

export const specDiffSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  documents: z.array(z.object({ name: z.string(), changed: z.boolean(), diff: z.string() })),
});
