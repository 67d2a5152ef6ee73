import "server-only";
import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";

// Which tasks and tests cover each acceptance criterion. A test covers AC-n when its file
// mentions the id: the test's name where the id sits in a test("…")/it("…")/def test_… line,
// else the file. A task covers it when it owns the criterion's requirement (an FR id the
// criterion names); for a criterion with no known requirement, when it wrote a covering test
// file or a file such a test imports.

export interface AcceptanceCoverage {
  id: string;
  text: string;
  tasks: string[];
  tests: string[];
  covered: boolean;
}

interface TestFile {
  path: string;
  content: string;
}

const testFilePattern = /(\.|_)(test|spec)\.[cm]?[jt]sx?$|^test_.*\.py$|_test\.py$/;
const testDirectories = new Set(["test", "tests", "__tests__", "e2e"]);
const maxFileBytes = 512 * 1024;
const maxFiles = 2000;

/** The app's test files: by name, or any script under a test directory. */
export async function findTestFiles(dir: string): Promise<TestFile[]> {
  const out: TestFile[] = [];
  const walk = async (relative: string, inTestDir: boolean) => {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true }).catch(
      () => [],
    );
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (out.length >= maxFiles) return;
      if (entry.name === ".git" || entry.name === "node_modules") continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      const stat = await lstat(path.join(dir, child)).catch(() => undefined);
      if (stat?.isDirectory()) await walk(child, inTestDir || testDirectories.has(entry.name));
      else if (
        stat?.isFile() &&
        stat.size <= maxFileBytes &&
        (testFilePattern.test(entry.name) || (inTestDir && /\.([cm]?[jt]sx?|py)$/.test(entry.name)))
      ) {
        out.push({ path: child, content: await readFile(path.join(dir, child), "utf8") });
      }
    }
  };
  await walk("", false);
  return out;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// AC-1 must not match AC-10.
const idPattern = (id: string) => new RegExp(`(?<![\\w-])${escapeRegExp(id)}(?!\\d)`);
const testTitle =
  /\b(?:test|it|describe|test\.each\([^)]*\))\s*\(\s*(["'`])((?:\\.|(?!\1).)*)\1|\bdef\s+(test_\w+)/;

/** The names of the tests in `file` that mention `id`; the file itself when none is named. */
function testsMentioning(file: TestFile, id: string): string[] {
  const pattern = idPattern(id);
  if (!pattern.test(file.content)) return [];
  const names: string[] = [];
  for (const line of file.content.split("\n")) {
    if (!pattern.test(line)) continue;
    const match = testTitle.exec(line);
    const name = match?.[2] ?? match?.[3];
    if (name) names.push(`${file.path}: ${name}`);
  }
  return names.length > 0 ? [...new Set(names)] : [file.path];
}

function namesFile(content: string, file: string): boolean {
  const withoutExtension = file.replace(/\.[cm]?[jt]sx?$|\.py$/, "");
  const base = path.posix.basename(withoutExtension);
  // An import names the module without its extension, relative to the test; its base name,
  // quoted or after a slash, is what every such import has in common.
  return (
    new RegExp(`["'/]${escapeRegExp(base)}(\\.[cm]?[jt]sx?)?["']`).test(content) ||
    (file.endsWith(".py") &&
      new RegExp(`\\bimport\\s+${escapeRegExp(base)}\\b|\\bfrom\\s+${escapeRegExp(base)}\\b`).test(
        content,
      ))
  );
}

export function mapAcceptance(options: {
  acceptance: { id: string; text: string; requirement?: string | undefined }[];
  tasks: { slug: string; requirements: string[]; files: string[] }[];
  testFiles: TestFile[];
}): AcceptanceCoverage[] {
  return options.acceptance.map((criterion) => {
    const requirements = new Set([
      ...(criterion.requirement ? [criterion.requirement] : []),
      ...(criterion.text.match(/\bFR-\d+\b/g) ?? []),
    ]);
    const covering = options.testFiles.filter((file) => idPattern(criterion.id).test(file.content));
    const tests = covering.flatMap((file) => testsMentioning(file, criterion.id));
    // The requirement says which task built it; only a criterion without one is related
    // through its tests' files (those that wrote them or the modules they import).
    const tasks = options.tasks
      .filter((task) =>
        requirements.size > 0
          ? task.requirements.some((fr) => requirements.has(fr))
          : task.files.some(
              (file) =>
                covering.some((test) => test.path === file) ||
                covering.some((test) => namesFile(test.content, file)),
            ),
      )
      .map((task) => task.slug);
    return { id: criterion.id, text: criterion.text, tasks, tests, covered: tests.length > 0 };
  });
}
