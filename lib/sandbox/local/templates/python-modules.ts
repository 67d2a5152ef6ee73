import "server-only";
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

// Whether the system's Python has a package, asked on every chat turn (a template whose
// framework is missing is refused before any model call). Starting python3 each time would
// fork Kiln's whole process on the request path, which stalls every stream in flight; so
// Python is asked once where it looks for packages, and each question after that is a few
// stat calls. A package found stays found; a missing one is looked for again after a while,
// so that an admin who installs it need not restart Kiln.

const execFileAsync = promisify(execFile);
const missingRecheckMs = 60_000;

let searchPath: Promise<string[]> | undefined;
const found = new Set<string>();
const missing = new Map<string, number>();
const looking = new Map<string, Promise<boolean>>();

/** Where the system's Python imports from; only the system's packages count, as the sandbox
 * sees /usr and not the user site under $HOME. */
function pythonSearchPath(): Promise<string[]> {
  searchPath ??= execFileAsync(
    "/usr/bin/python3",
    ["-c", "import json, sys; print(json.dumps([p for p in sys.path if p]))"],
    {
      env: Object.assign({} as NodeJS.ProcessEnv, { PATH: "/usr/bin:/bin", PYTHONNOUSERSITE: "1" }),
      cwd: "/",
      timeout: 30_000,
    },
  ).then(
    ({ stdout }) => (JSON.parse(stdout) as string[]).filter((dir) => path.isAbsolute(dir)),
    () => {
      // No Python here: nothing is installed, and asking again later may find one.
      searchPath = undefined;
      return [];
    },
  );
  return searchPath;
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

async function lookFor(module: string): Promise<boolean> {
  for (const dir of await pythonSearchPath()) {
    const candidates = [path.join(dir, module, "__init__.py"), path.join(dir, `${module}.py`)];
    for (const candidate of candidates) if (await exists(candidate)) return true;
  }
  return false;
}

/** Whether the system's Python has `module` (a package or a module file on its search path). */
export async function hasPythonModule(module: string): Promise<boolean> {
  if (found.has(module)) return true;
  const missingSince = missing.get(module);
  if (missingSince !== undefined && Date.now() - missingSince < missingRecheckMs) return false;
  let look = looking.get(module);
  if (!look) {
    look = lookFor(module).then((isThere) => {
      looking.delete(module);
      if (isThere) {
        found.add(module);
        missing.delete(module);
      } else missing.set(module, Date.now());
      return isThere;
    });
    looking.set(module, look);
  }
  return look;
}
