import "server-only";
import { stat } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { sandboxNodeRuntime } from "@/lib/sandbox/local/node-runtime";
import type { Template } from "@/lib/templates/templates";
import { hasPythonModule } from "./python-modules";
import { templateVersion } from "./template-cache";
import { templateFiles } from "./template-files";
import { missingPythonModuleReason, pythonFrameworks } from "./template-install";

// Whether a template can run on this server's local sandboxes, told before anyone asks a model
// for an app on it. Only what is cheap to know: a Python framework the system lacks (the
// import is checked once and remembered), or npm missing for a template whose dependencies were
// never prepared. A failing npm install still shows only when a run tries it.

export type TemplateAvailability = { available: true } | { available: false; reason: string };

export async function localTemplateAvailability(
  template: Pick<Template, "id" | "name" | "libraries">,
): Promise<TemplateAvailability> {
  const framework = pythonFrameworks[template.id];
  if (framework && !(await hasPythonModule(framework))) {
    return { available: false, reason: missingPythonModuleReason(template, framework) };
  }
  const files = templateFiles(template.id);
  if (!files.some((file) => file.path === "package.json")) return { available: true };
  const node = sandboxNodeRuntime();
  if (node.npmCli) return { available: true };
  const entry = path.join(
    getEnv().dataDir,
    "cache",
    "templates",
    templateVersion({ template, files, nodeMajor: node.nodeMajor }),
  );
  const isPrepared = await stat(path.join(entry, "ready")).then(
    () => true,
    () => false,
  );
  return isPrepared
    ? { available: true }
    : {
        available: false,
        reason: `The ${template.name} template cannot run on this server: npm is not installed, so its dependencies cannot be prepared.`,
      };
}
