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

/** GET /api/templates: each template, and whether this server can run it now (else why not). */
export const templateListItemSchema = publicTemplateSchema.extend({
  available: z.boolean(),
  reason: z.string().optional(),
});
export type TemplateListItem = z.infer<typeof templateListItemSchema>;
