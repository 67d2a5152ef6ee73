import { describe, expect, test } from "vitest";
import { KilnError } from "@/lib/errors";
import { filePathProblem } from "@/lib/fragments/schema";
import { publicTemplateSchema } from "./schemas";
import {
  getTemplate,
  installCommandFor,
  listPublicTemplates,
  templateIds,
  templates,
} from "./templates";

describe("template registry", () => {
  test("has exactly the seven templates, in order, each id once", () => {
    expect(templateIds).toEqual([
      "code-interpreter-v1",
      "nextjs-developer",
      "vue-developer",
      "streamlit-developer",
      "gradio-developer",
      "static-html",
      "node-server",
    ]);
    expect(templates.map((t) => t.id)).toEqual(templateIds);
  });

  test.each([
    ["code-interpreter-v1", "script.py", null, "python", "pip install"],
    ["nextjs-developer", "pages/index.tsx", 3000, "typescript", "npm install"],
    ["vue-developer", "app.vue", 3000, "vue", "npm install"],
    ["streamlit-developer", "app.py", 8501, "python", "pip install"],
    ["gradio-developer", "app.py", 7860, "python", "pip install"],
    ["static-html", "index.html", 8000, "html", null],
    ["node-server", "index.js", 3000, "javascript", "npm install"],
  ])("%s: entry %s, port %j, %s, installs with %j", (id, entryFile, port, language, install) => {
    const template = getTemplate(id)!;
    expect(template).toMatchObject({ id, entryFile, port, language, installCommand: install });
    expect(filePathProblem(template.entryFile)).toBeUndefined();
    expect(template.instructions).toContain(entryFile);
    if (port !== null)
      expect(`${template.runCommand}\n${template.instructions}`).toMatch(/0\.0\.0\.0/);
  });

  test("each template's headline library is preinstalled", () => {
    expect(getTemplate("code-interpreter-v1")!.libraries).toEqual(
      expect.arrayContaining(["numpy", "pandas", "matplotlib"]),
    );
    expect(getTemplate("nextjs-developer")!.libraries).toEqual(
      expect.arrayContaining(["next", "react", "tailwindcss"]),
    );
    expect(getTemplate("streamlit-developer")!.libraries).toContain("streamlit");
    expect(getTemplate("gradio-developer")!.libraries).toContain("gradio");
    expect(getTemplate("node-server")!.libraries).toEqual(["express"]);
    expect(getTemplate("static-html")!.libraries).toEqual([]);
  });

  test.each([
    "nope",
    "__proto__",
    "toString",
    "constructor",
    "NEXTJS-DEVELOPER",
    " nextjs-developer",
    "",
  ])("getTemplate(%j) is undefined", (id) => {
    expect(getTemplate(id)).toBeUndefined();
  });
});

describe("listPublicTemplates", () => {
  test("shows what a client needs and nothing of the prompt or commands", () => {
    const list = listPublicTemplates();
    expect(list.map((t) => t.id)).toEqual(templateIds);
    expect(list.find((t) => t.id === "streamlit-developer")).toEqual({
      id: "streamlit-developer",
      name: "Streamlit",
      description: "A Python data app built with Streamlit.",
      language: "python",
      port: 8501,
      entryFile: "app.py",
      libraries: ["streamlit", "numpy", "pandas", "matplotlib", "seaborn", "plotly", "requests"],
    });
    for (const template of list) {
      expect(Object.keys(template).sort()).toEqual(
        ["description", "entryFile", "id", "language", "libraries", "name", "port"].sort(),
      );
      expect(publicTemplateSchema.parse(template)).toEqual(template);
    }
  });

  test("hands out copies: changing one does not change the registry", () => {
    const [first] = listPublicTemplates();
    first!.libraries.push("evil");
    first!.port = 1;
    expect(getTemplate("code-interpreter-v1")!.libraries).not.toContain("evil");
    expect(listPublicTemplates()[0]!.port).toBeNull();
  });
});

describe("installCommandFor", () => {
  test("joins the installer and the packages, quoting what the shell would misread", () => {
    const streamlit = getTemplate("streamlit-developer")!;
    expect(installCommandFor(streamlit, ["numpy", "pandas>=2,<3", "requests[socks]"])).toBe(
      "pip install numpy 'pandas>=2,<3' 'requests[socks]'",
    );
    expect(installCommandFor(getTemplate("nextjs-developer")!, ["@tanstack/react-query@5"])).toBe(
      "npm install @tanstack/react-query@5",
    );
    expect(installCommandFor(getTemplate("node-server")!, ["lodash@^4.17"])).toBe(
      "npm install 'lodash@^4.17'",
    );
  });

  test("is empty with no packages, even where nothing can be installed", () => {
    expect(installCommandFor(getTemplate("gradio-developer")!, [])).toBe("");
    expect(installCommandFor(getTemplate("static-html")!, [])).toBe("");
  });

  test("refuses packages for a template that cannot install", () => {
    const call = () => installCommandFor(getTemplate("static-html")!, ["lodash"]);
    expect(call).toThrow(KilnError);
    expect(call).toThrow('additional_dependencies: template "static-html" cannot install packages');
  });
});
