import { describe, expect, test } from "vitest";
import { detectTemplate, isGenerated } from "./folder-fragment";

// A folder's template is told by its entry file at the top of the folder; what running an app
// makes (packages, build output) is never part of its sources.

const files = (...paths: string[]) => paths.map((path) => ({ path, content: "" }));

describe("detectTemplate", () => {
  test("each template by its entry file", () => {
    expect(detectTemplate(files("pages/index.tsx", "styles.css"))).toBe("nextjs-developer");
    expect(detectTemplate(files("app.vue"))).toBe("vue-developer");
    expect(detectTemplate(files("index.js", "public/a.png"))).toBe("node-server");
    expect(detectTemplate(files("index.html", "style.css"))).toBe("static-html");
    expect(detectTemplate(files("script.py"))).toBe("code-interpreter-v1");
  });

  test("a Node server that serves an index.html is a Node server; Next.js wins over both", () => {
    expect(detectTemplate(files("index.html", "index.js"))).toBe("node-server");
    expect(detectTemplate(files("index.html", "index.js", "pages/index.tsx"))).toBe(
      "nextjs-developer",
    );
  });

  test("app.py is Streamlit or Gradio by what it imports, else nothing", () => {
    const app = (content: string) => [{ path: "app.py", content }];
    expect(detectTemplate(app("import streamlit as st\nst.write(1)"))).toBe("streamlit-developer");
    expect(detectTemplate(app("from gradio import Interface"))).toBe("gradio-developer");
    expect(detectTemplate(app("print('plain')"))).toBeUndefined();
  });

  test("entry files only count at the top of the folder", () => {
    expect(detectTemplate(files("src/index.html", "lib/script.py"))).toBeUndefined();
    expect(detectTemplate(files("README.md"))).toBeUndefined();
  });
});

test("installed packages and caches are generated wherever they are, build output at the top", () => {
  expect(isGenerated("node_modules/react/index.js")).toBe(true);
  expect(isGenerated("web/.next/cache/x")).toBe(true);
  expect(isGenerated("dist/bundle.js")).toBe(true);
  expect(isGenerated("build")).toBe(true);
  expect(isGenerated("src/build/steps.js")).toBe(false);
  expect(isGenerated("src/distance.js")).toBe(false);
  expect(isGenerated("builder/index.js")).toBe(false);
});
