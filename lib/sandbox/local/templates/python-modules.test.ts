import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { hasPythonModule } from "./python-modules";

// The package check answers what `import` would, for the system's Python, without starting it
// for each question.

const imports = (module: string) => {
  try {
    execFileSync("/usr/bin/python3", ["-c", `import ${module}`], {
      env: Object.assign({} as NodeJS.ProcessEnv, { PATH: "/usr/bin:/bin", PYTHONNOUSERSITE: "1" }),
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
};

describe("hasPythonModule", () => {
  test.each(["json", "email", "numpy", "matplotlib", "streamlit", "gradio", "kiln_no_such_module"])(
    "says of %s what import says",
    async (module) => {
      expect(await hasPythonModule(module)).toBe(imports(module));
    },
  );

  test("a package Python has is found, and one it lacks is not, when asked many times at once", async () => {
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, () => hasPythonModule("json")),
      ...Array.from({ length: 20 }, () => hasPythonModule("kiln_absent_package")),
    ]);
    expect(answers.slice(0, 20).every(Boolean)).toBe(true);
    expect(answers.slice(20).some(Boolean)).toBe(false);
  });
});
