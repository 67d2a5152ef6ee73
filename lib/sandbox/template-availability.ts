import "server-only";
import { localTemplateAvailability } from "@/lib/sandbox/local/templates/template-availability";
import type { TemplateListItem } from "@/lib/templates/schemas";
import { listPublicTemplates, templates } from "@/lib/templates/templates";
import { defaultProviderName } from "./providers";

// The templates a client can choose, each saying whether new sandboxes here can run it. E2B
// runs every template in its own images; this machine's sandboxes need their frameworks.

export async function listTemplatesWithAvailability(): Promise<TemplateListItem[]> {
  const list = listPublicTemplates();
  if (defaultProviderName() === "e2b") return list.map((t) => ({ ...t, available: true }));
  const availability = await Promise.all(templates.map(localTemplateAvailability));
  return list.map((template, index) => ({
    ...template,
    ...(availability[index] ?? { available: true }),
  }));
}

/**
 * The templates this server cannot run now, with the reason for each. A chat turn refuses one
 * chosen by name and leaves them out of the model's choices, before any model call.
 */
export async function unavailableTemplates(): Promise<Map<string, string>> {
  const list = await listTemplatesWithAvailability();
  return new Map(list.flatMap((t) => (t.available ? [] : [[t.id, t.reason ?? ""] as const])));
}
