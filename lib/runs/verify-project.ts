import "server-only";
import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { templateFiles } from "@/lib/sandbox/local/templates/template-files";
import { type TemplateId, templateIds } from "@/lib/templates/templates";

// What kind of app a run produced, read on the host from its files (nothing of it runs here):
// a Node.js project and the Kiln template whose prepared node_modules it builds on, or a Python
// project, or neither.

export interface NodeProject {
  kind: "node";
  scripts: Record<string, string>;
  /** Every dependency the manifest names (dependencies, devDependencies), with its range. */
  dependencies: Record<string, string>;
  /** The Kiln template sharing the most dependencies with the app, if any. */
  template: TemplateId | undefined;
  /** Dependencies that template's prepared node_modules does not satisfy. */
  missing: string[];
  /** Why package.json could not be read, when it could not: npm would refuse it too. */
  invalid?: string;
}

export interface PythonProject {
  kind: "python";
  hasRequirements: boolean;
  hasTests: boolean;
  /** The app's Python files, relative to its root. */
  sources: string[];
}

/** An app with no project file: its JavaScript and Python files can still be checked. */
export interface PlainProject {
  kind: "unknown";
  sources: string[];
}

export type VerifiedProject = NodeProject | PythonProject | PlainProject;

const exists = (file: string) =>
  lstat(file).then(
    (stat) => stat.isFile(),
    () => false,
  );

export async function detectProject(dir: string): Promise<VerifiedProject> {
  const manifestPath = path.join(dir, "package.json");
  if (await exists(manifestPath)) {
    const text = await readFile(manifestPath, "utf8");
    const manifest = parseManifest(text);
    const project = nodeProject(manifest);
    const invalid = manifestProblem(text);
    return invalid ? { ...project, invalid } : project;
  }
  const python = ["requirements.txt", "pyproject.toml", "setup.py", "pytest.ini"];
  const found = await Promise.all(python.map((name) => exists(path.join(dir, name))));
  if (found.some(Boolean)) {
    return {
      kind: "python",
      hasRequirements: found[0]!,
      hasTests: await hasPythonTests(dir),
      sources: (await listSources(dir)).filter((file) => file.endsWith(".py")),
    };
  }
  return { kind: "unknown", sources: await listSources(dir) };
}

interface Manifest {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
}

function manifestProblem(text: string): string | undefined {
  try {
    const data = JSON.parse(text);
    if (!data || typeof data !== "object" || Array.isArray(data)) {
      return "package.json is not a JSON object";
    }
  } catch (error) {
    return `package.json is not valid JSON: ${(error as Error).message}`;
  }
  return undefined;
}

/** A manifest that is not JSON reads as one with nothing in it (manifestProblem says why). */
function parseManifest(text: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { scripts: {}, dependencies: {} };
  }
  const record = (value: unknown): Record<string, string> =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value).filter((entry): entry is [string, string] => {
            return typeof entry[1] === "string";
          }),
        )
      : {};
  const object = (data ?? {}) as Record<string, unknown>;
  return {
    scripts: record(object.scripts),
    dependencies: { ...record(object.devDependencies), ...record(object.dependencies) },
  };
}

/** Each template's scaffold dependencies: the exact versions its cache entry installs. */
function templateDependencies(): { id: TemplateId; dependencies: Record<string, string> }[] {
  return templateIds.flatMap((id) => {
    const manifest = templateFiles(id).find((file) => file.path === "package.json");
    if (!manifest) return [];
    return [{ id, dependencies: parseManifest(manifest.content).dependencies }];
  });
}

export function nodeProject(manifest: Manifest): NodeProject {
  const wanted = Object.entries(manifest.dependencies);
  let best: { id: TemplateId; missing: string[]; shared: number } | undefined;
  for (const template of templateDependencies()) {
    const missing = wanted
      .filter(([name, range]) => !satisfies(template.dependencies[name], range))
      .map(([name]) => name);
    const shared = wanted.filter(([name]) => name in template.dependencies).length;
    // A template helps only if the app uses some of what it has; among those, the fewest misses.
    if (shared === 0) continue;
    if (!best || missing.length < best.missing.length) best = { id: template.id, missing, shared };
  }
  return {
    kind: "node",
    scripts: manifest.scripts,
    dependencies: manifest.dependencies,
    template: best?.id,
    missing: best ? best.missing : wanted.map(([name]) => name),
  };
}

const versionPattern = /^(\d+)\.(\d+)\.(\d+)$/;

/**
 * Whether an installed exact `version` satisfies the app's `range`, for the ranges generated
 * apps write: exact, ^x.y.z, ~x.y.z, x, x.y, *, latest. Anything else counts as unsatisfied,
 * which only means an install is tried.
 */
export function satisfies(version: string | undefined, range: string): boolean {
  if (!version) return false;
  const have = versionPattern.exec(version)?.slice(1).map(Number);
  if (!have) return false;
  const spec = range.trim();
  if (spec === "*" || spec === "latest" || spec === "") return true;
  const match = /^([\^~]?)(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(spec);
  if (!match) return false;
  const [, operator, ...parts] = match;
  const want = parts.map((part) =>
    part === undefined || /[x*]/.test(part) ? undefined : Number(part),
  );
  const [major, minor, patch] = want as [number, number | undefined, number | undefined];
  const atLeast = () => {
    const floor = [major, minor ?? 0, patch ?? 0];
    for (let i = 0; i < 3; i++) if (have[i] !== floor[i]) return have[i]! > floor[i]!;
    return true;
  };
  if (operator === "^") {
    if (have[0] !== major) return false;
    if (major === 0 && minor !== undefined && have[1] !== minor) return false;
    return atLeast();
  }
  if (operator === "~") {
    if (have[0] !== major || (minor !== undefined && have[1] !== minor)) return false;
    return atLeast();
  }
  return (
    have[0] === major &&
    (minor === undefined || have[1] === minor) &&
    (patch === undefined || have[2] === patch)
  );
}

async function hasPythonTests(dir: string): Promise<boolean> {
  const walk = async (at: string, depth: number): Promise<boolean> => {
    if (depth > 4) return false;
    const entries = await readdir(at, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      if (entry.isFile() && /^test_.*\.py$|_test\.py$/.test(entry.name)) return true;
      if (entry.isDirectory() && (await walk(path.join(at, entry.name), depth + 1))) return true;
    }
    return false;
  };
  return walk(dir, 0);
}

const maxSources = 500;

/** The app's JavaScript and Python files (regular files only, links never followed), sorted. */
async function listSources(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (relative: string, depth: number) => {
    if (depth > 12 || out.length >= maxSources) return;
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true }).catch(
      () => [],
    );
    for (const entry of entries) {
      if (entry.name === ".git" || entry.name === "node_modules") continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      const stat = await lstat(path.join(dir, child)).catch(() => undefined);
      if (stat?.isDirectory()) await walk(child, depth + 1);
      else if (stat?.isFile() && /\.(c|m)?js$|\.py$/.test(entry.name) && out.length < maxSources) {
        out.push(child);
      }
    }
  };
  await walk("", 0);
  return out.sort();
}
