import { describe, expect, test } from "vitest";
import { KilnError } from "@/lib/errors";
import { templateIds } from "@/lib/templates/templates";
import { systemPromptFor } from "./prompt";

describe("systemPromptFor", () => {
  test.each([
    ["no template", {}],
    ["auto", { template: "auto" }],
  ])("%s: offers every template with its entry file and port", (_name, options) => {
    const prompt = systemPromptFor(options);
    for (const id of templateIds) expect(prompt).toContain(`## ${id}: `);
    expect(prompt).toContain("Choose the template that suits the request best.");
    expect(prompt).toContain("- Entry file: pages/index.tsx");
    expect(prompt).toContain("- Port: 8501");
    expect(prompt).toContain("- Port: none");
    expect(prompt).toContain("# Templates");
  });

  test("a chosen template is the only one offered", () => {
    const prompt = systemPromptFor({ template: "gradio-developer" });
    expect(prompt).toContain("Build the app on the gradio-developer template.");
    expect(prompt).toContain("## gradio-developer: Gradio");
    expect(prompt).toContain("- Entry file: app.py");
    expect(prompt).toContain("- Port: 7860");
    expect(prompt).toContain("- Install command: `pip install <packages>`");
    expect(prompt).toContain('demo.launch(server_name="0.0.0.0", server_port=7860)');
    for (const id of templateIds.filter((t) => t !== "gradio-developer")) {
      expect(prompt).not.toContain(id);
    }
  });

  test("auto leaves out the templates this server cannot run", () => {
    const unavailable = ["streamlit-developer", "gradio-developer"];
    const prompt = systemPromptFor({ template: "auto", unavailable });
    for (const id of unavailable) expect(prompt).not.toContain(id);
    for (const id of templateIds.filter((t) => !unavailable.includes(t))) {
      expect(prompt).toContain(`## ${id}: `);
    }
    // Cached apart from the prompt that offers them all.
    expect(systemPromptFor({ template: "auto" })).toContain("## streamlit-developer: ");
  });

  test("states the rules the fragment is checked against", () => {
    const prompt = systemPromptFor({});
    expect(prompt).toMatch(/^You are Kiln's app builder/);
    expect(prompt).toContain("Write complete, runnable code.");
    expect(prompt).toContain("Use only the templates listed below");
    expect(prompt).toContain("At most 50 files in all, each under 200 KB.");
    expect(prompt).toContain("`additional_dependencies`");
    expect(prompt).toContain("`install_dependencies_command`");
    expect(prompt).toContain("Never put secrets in code");
  });

  test("a template that cannot install says so", () => {
    expect(systemPromptFor({ template: "static-html" })).toContain(
      "- Install command: none: this template cannot install packages",
    );
  });

  test.each(["nope", "", "AUTO", "__proto__"])(
    "unknown template %j is a validation error",
    (id) => {
      let thrown: unknown;
      try {
        systemPromptFor({ template: id });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(KilnError);
      expect(thrown).toMatchObject({
        code: "VALIDATION_ERROR",
        message: `template: unknown template "${id}"`,
        status: 400,
      });
    },
  );
});
