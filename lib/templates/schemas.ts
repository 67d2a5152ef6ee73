import { z } from "zod";

export const templateLanguages = ["python", "typescript", "vue", "javascript", "html"] as const;
export type TemplateLanguage = (typeof templateLanguages)[number];

/** What GET /api/templates tells anyone: enough to pick a template and label its files. */
export const publicTemplateSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  language: z.enum(templateLanguages),
  port: z.number().int().nullable(),
  entryFile: z.string(),
  libraries: z.array(z.string()),
});
export type PublicTemplate = z.infer<typeof publicTemplateSchema>;
