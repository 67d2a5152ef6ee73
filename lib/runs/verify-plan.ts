import type { TemplateId } from "@/lib/templates/templates";

// What verifying a generated app means, decided from its files alone: the Kiln template it
// builds on (whose prepared dependencies its sandbox gets), and the steps to run. An app with a
// package.json gets its install, build and test scripts; one without gets every source file's
// syntax checked, so a run is never called verified when nothing was run.

export type VerifyStepName = "install" | "check" | "build" | "test";

export interface PlannedStep {
  name: VerifyStepName;
  command: string;
  /** Why the step does not run, when it does not. */
  skipped?: string;
}

export interface VerifyPlan {
  template: TemplateId;
  /** The app's own dependencies (package.json), to check against what the template provides. */
  dependencies: string[];
  steps: PlannedStep[];
}

interface PackageJson {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

// npm's own placeholder for a package without tests: not a test.
const npmPlaceholderTest = /no test specified/;

const quote = (file: string) => `'${file.replaceAll("'", "'\\''")}'`;

export function planVerification(files: Map<string, string>): VerifyPlan {
  const manifest = files.get("package.json");
  if (manifest === undefined) {
    const scripts = [...files.keys()].filter(
      (f) => /\.(c|m)?js$/.test(f) && !f.includes("node_modules/"),
    );
    const python = [...files.keys()].filter((f) => f.endsWith(".py"));
    const checks = [
      ...scripts.map((f) => `node --check ${quote(f)}`),
      ...(python.length ? [`python3 -m py_compile ${python.map(quote).join(" ")}`] : []),
    ];
    return {
      // Every sandbox has Node.js and Python; a template with nothing to prepare or seed will do.
      template: "static-html",
      dependencies: [],
      steps: [
        { name: "install", command: "", skipped: "the app has no package.json" },
        checks.length
          ? { name: "check", command: checks.join(" && ") }
          : { name: "check", command: "", skipped: "the app has no JavaScript or Python files" },
        { name: "build", command: "", skipped: "the app has no package.json" },
        { name: "test", command: "", skipped: "the app has no package.json" },
      ],
    };
  }
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(manifest) as PackageJson;
  } catch {
    return {
      template: "node-server",
      dependencies: [],
      steps: [
        {
          name: "install",
          command: "node -e \"JSON.parse(require('fs').readFileSync('package.json','utf8'))\"",
        },
      ],
    };
  }
  const dependencies = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  // The template whose prepared dependencies fit the app; one with none needs none.
  const template: TemplateId = dependencies.includes("next")
    ? "nextjs-developer"
    : dependencies.includes("nuxt")
      ? "vue-developer"
      : dependencies.length
        ? "node-server"
        : "static-html";
  const scripts = pkg.scripts ?? {};
  return {
    template,
    dependencies,
    steps: [
      dependencies.length
        ? { name: "install", command: "npm install --no-audit --no-fund" }
        : { name: "install", command: "", skipped: "the app has no dependencies" },
      { name: "check", command: "", skipped: "the app's own build and tests check it" },
      scripts.build
        ? { name: "build", command: "npm run build" }
        : { name: "build", command: "", skipped: "package.json has no build script" },
      scripts.test && !npmPlaceholderTest.test(scripts.test)
        ? { name: "test", command: "npm test" }
        : { name: "test", command: "", skipped: "package.json has no test script" },
    ],
  };
}

/**
 * Each acceptance criterion with the tasks that built its requirement and the test files that
 * name it (a test titled "AC-2 …"); covered once a test names it.
 */
export function mapAcceptance(options: {
  acceptance: { id: string; text: string; requirement?: string | undefined }[];
  tasks: { slug: string; requirements: string[]; files: string[] }[];
  files: Map<string, string>;
}) {
  const tests = [...options.files].filter(([file]) =>
    /(^|\/)(tests?|__tests__)\/|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)test_[^/]*\.py$/.test(file),
  );
  return options.acceptance.map((criterion) => {
    const mention = new RegExp(`\\b${criterion.id.replace(/[^A-Za-z0-9-]/g, "")}\\b`);
    const naming = tests.filter(([, content]) => mention.test(content)).map(([file]) => file);
    return {
      id: criterion.id,
      text: criterion.text,
      tasks: options.tasks
        .filter(
          (t) =>
            criterion.requirement !== undefined && t.requirements.includes(criterion.requirement),
        )
        .map((t) => t.slug),
      tests: naming,
      covered: naming.length > 0,
    };
  });
}
