import "server-only";
import { KilnError } from "@/lib/errors";
import { getTemplate, type Template, templates } from "@/lib/templates/templates";
import { fragmentLimits } from "./schema";

// The system prompt for the model that writes fragments. Everything it says about a template
// comes from the registry, so the prompt and the sandbox can never disagree on a port or path.

const rules = [
  "Write complete, runnable code. No placeholders, no elided parts, no TODOs: every file must work as written.",
  "Use only the templates listed below, and set `template` to the id of the one you use.",
  "Put the main file at the template's entry file: its path in `file_path`, its full content in `code`. Put any other file in `files` with its full content; leave `files` empty for a one-file app.",
  `File paths are relative, use forward slashes and never contain ".." or start with "/". At most ${fragmentLimits.files} files in all, each under ${fragmentLimits.fileBytes / 1024} KB.`,
  "Listen on the template's port, on host 0.0.0.0, and set `port` to it; set `port` to null when the template has no port.",
  "The template's libraries are already installed. List any other package in `additional_dependencies`, set `has_additional_dependencies` to true and give the install command (the template's install command followed by those packages) in `install_dependencies_command`. Otherwise use an empty list, false and an empty string.",
  "Never put secrets in code or text: no API keys, tokens or passwords, real or made up. When the app needs one, read it from an environment variable and say which in `commentary`.",
  "In `commentary`, tell the user briefly what you built. `title` is a few words; `description` is one sentence.",
];

function describeTemplate(template: Template): string {
  const libraries = template.libraries.length > 0 ? template.libraries.join(", ") : "none";
  const install = template.installCommand
    ? `\`${template.installCommand} <packages>\``
    : "none: this template cannot install packages";
  return [
    `## ${template.id}: ${template.name}`,
    template.description,
    `- Language: ${template.language}`,
    `- Entry file: ${template.entryFile}`,
    `- Port: ${template.port ?? "none"}`,
    `- Preinstalled libraries: ${libraries}`,
    `- Install command: ${install}`,
    `- Started with: \`${template.runCommand}\``,
    "",
    template.instructions,
  ].join("\n");
}

/**
 * The system prompt for writing a fragment. `template` is a registry id, or "auto" (or absent)
 * to let the model choose among all templates but the `unavailable` ones (those this server
 * cannot run). An unknown id is the caller's mistake.
 */
const prompts = new Map<string, string>();

export function systemPromptFor(options: {
  template?: string;
  unavailable?: readonly string[];
}): string {
  const unavailable = options.unavailable ?? [];
  const key = `${options.template ?? "auto"}|${[...unavailable].sort().join(",")}`;
  let prompt = prompts.get(key);
  if (prompt === undefined) {
    prompt = buildPrompt(options.template, unavailable);
    // Only ids that produced a prompt are kept: unknown ones threw above.
    prompts.set(key, prompt);
  }
  return prompt;
}

function buildPrompt(template: string | undefined, unavailable: readonly string[]): string {
  const auto = template === undefined || template === "auto";
  const chosen = auto ? undefined : getTemplate(template);
  if (!auto && !chosen) {
    throw new KilnError("VALIDATION_ERROR", `template: unknown template "${template}"`);
  }
  const offered = chosen ? [chosen] : templates.filter((t) => !unavailable.includes(t.id));
  const choice = chosen
    ? `Build the app on the ${chosen.id} template.`
    : "Choose the template that suits the request best.";
  return [
    "You are Kiln's app builder, an expert software engineer. From the user's request you write a small, complete app (a fragment) that runs in a sandbox on its first try.",
    choice,
    "",
    "# Rules",
    ...rules.map((rule) => `- ${rule}`),
    "",
    chosen ? "# Template" : "# Templates",
    "",
    offered.map(describeTemplate).join("\n\n"),
  ].join("\n");
}
