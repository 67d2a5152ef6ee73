import { describe, expect, test } from "vitest";
import { outputBatcher } from "./verify-output";
import { mapAcceptance, planVerification } from "./verify-plan";

const files = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe("planVerification", () => {
  test("an app without package.json has each JavaScript and Python file checked", () => {
    const plan = planVerification(
      files({ "src/a.js": "", "src/it's.mjs": "", "tool.py": "", "README.md": "" }),
    );
    expect(plan.template).toBe("static-html");
    expect(plan.steps.filter((s) => !s.skipped)).toEqual([
      {
        name: "check",
        command:
          "node --check 'src/a.js' && node --check 'src/it'\\''s.mjs' && python3 -m py_compile 'tool.py'",
      },
    ]);
  });

  test("nothing to run is said, step by step", () => {
    const plan = planVerification(files({ "index.html": "<p>hi</p>" }));
    expect(plan.steps.map((s) => s.skipped)).toEqual([
      "the app has no package.json",
      "the app has no JavaScript or Python files",
      "the app has no package.json",
      "the app has no package.json",
    ]);
  });

  test("package.json: its template by dependencies, its build and test scripts, not npm's placeholder", () => {
    const pkg = (body: object) => planVerification(files({ "package.json": JSON.stringify(body) }));
    expect(pkg({ dependencies: { next: "16", react: "19" } }).template).toBe("nextjs-developer");
    expect(pkg({ devDependencies: { nuxt: "4" } }).template).toBe("vue-developer");
    expect(pkg({ dependencies: { express: "5" } }).template).toBe("node-server");
    expect(pkg({}).template).toBe("static-html");
    const full = pkg({
      dependencies: { express: "5" },
      scripts: { build: "tsc", test: "vitest run" },
    });
    expect(full.dependencies).toEqual(["express"]);
    expect(full.steps.filter((s) => !s.skipped).map((s) => s.command)).toEqual([
      "npm install --no-audit --no-fund",
      "npm run build",
      "npm test",
    ]);
    const placeholder = pkg({ scripts: { test: 'echo "Error: no test specified" && exit 1' } });
    expect(placeholder.steps.find((s) => s.name === "test")?.skipped).toBe(
      "package.json has no test script",
    );
  });

  test("a package.json that is not JSON fails its install step", () => {
    const plan = planVerification(files({ "package.json": "{ nope" }));
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]?.name).toBe("install");
    expect(plan.steps[0]?.skipped).toBeUndefined();
  });
});

test("mapAcceptance: each AC to the tasks of its FR and the tests that name it", () => {
  const mapped = mapAcceptance({
    acceptance: [
      { id: "AC-1", text: "one", requirement: "FR-1" },
      { id: "AC-2", text: "two", requirement: "FR-2" },
      { id: "AC-10", text: "ten" },
    ],
    tasks: [
      { slug: "auth", requirements: ["FR-1"], files: [] },
      { slug: "boards", requirements: ["FR-2", "FR-1"], files: [] },
    ],
    files: files({
      "test/auth.test.js": 'test("AC-1 signs in")',
      "src/notes.js": "// AC-2 is mentioned here, but this is not a test",
      "tests/test_boards.py": "def test_ac_2(): ...  # AC-10",
    }),
  });
  expect(mapped).toEqual([
    {
      id: "AC-1",
      text: "one",
      tasks: ["auth", "boards"],
      tests: ["test/auth.test.js"],
      covered: true,
    },
    { id: "AC-2", text: "two", tasks: ["boards"], tests: [], covered: false },
    { id: "AC-10", text: "ten", tasks: [], tests: ["tests/test_boards.py"], covered: true },
  ]);
});

test("outputBatcher: output in few pieces per step and stream, capped with a note", async () => {
  const sent: { step: string; stream: string; text: string }[] = [];
  const batcher = outputBatcher({
    emit: async (p) => void sent.push(p),
    capChars: 30,
    flushChars: 10,
  });
  batcher.write("build", "stdout", "a\n");
  batcher.write("build", "stdout", "b\n");
  batcher.write("build", "stderr", "warn\n");
  batcher.write("test", "stdout", "x".repeat(40));
  await batcher.close("test");
  expect(sent).toEqual([
    { step: "build", stream: "stdout", text: "a\nb\n" },
    { step: "build", stream: "stderr", text: "warn\n" },
    { step: "test", stream: "stdout", text: "x".repeat(21) },
    { step: "test", stream: "stderr", text: "\n[19 more characters of output were not kept]\n" },
  ]);
});
