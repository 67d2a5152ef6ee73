// Lets plain Node run Kiln's server code outside Next (npm run worker): "@/..." resolves to the
// project root as tsconfig.json says, imports without an extension find their .ts file, and
// "server-only" (which only Next's bundler may resolve) is an empty module.
import { existsSync, statSync } from "node:fs";
import { registerHooks } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(fileURLToPath(import.meta.url), "..", "..");
const empty = "data:text/javascript,export{}";

function withExtension(file) {
  for (const candidate of [file, `${file}.ts`, `${file}.tsx`, path.join(file, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

registerHooks({
  resolve(specifier, context, next) {
    if (specifier === "server-only") return { url: empty, shortCircuit: true };
    const fromProject = context.parentURL?.startsWith(pathToFileURL(root).href);
    let file;
    if (specifier.startsWith("@/")) file = path.join(root, specifier.slice(2));
    else if (fromProject && (specifier.startsWith("./") || specifier.startsWith("../"))) {
      file = path.resolve(path.dirname(fileURLToPath(context.parentURL)), specifier);
    }
    const found = file && withExtension(file);
    if (found) return { url: pathToFileURL(found).href, shortCircuit: true };
    return next(specifier, context);
  },
});
