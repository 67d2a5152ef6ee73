import "server-only";
import { KilnError } from "@/lib/errors";
import type { PublicTemplate, TemplateLanguage } from "./schemas";

// The one list of templates a fragment can run on. A template id from a client or a model is
// only ever a key into this registry: ports, commands and prompts always come from here.

export const templateIds = [
  "code-interpreter-v1",
  "nextjs-developer",
  "vue-developer",
  "streamlit-developer",
  "gradio-developer",
  "static-html",
  "node-server",
] as const;
export type TemplateId = (typeof templateIds)[number];

export interface Template {
  id: TemplateId;
  name: string;
  /** One line for people choosing a template; public. */
  description: string;
  /** What the model must write on this template; goes into the system prompt only. */
  instructions: string;
  language: TemplateLanguage;
  /** Where the main file goes, relative to the project root. */
  entryFile: string;
  /** Where the running app listens; null when the template runs code without serving it. */
  port: number | null;
  /** Installed in the sandbox image already; never listed as additional dependencies. */
  libraries: readonly string[];
  /** Prefix for installing additional dependencies; null when the template cannot install. */
  installCommand: string | null;
  runCommand: string;
  /**
   * The running app picks up changed files by itself (a dev server with hot reload), so a new
   * run in the same sandbox writes the files and keeps it.
   */
  hasHotReload: boolean;
}

const pythonData = ["numpy", "pandas", "matplotlib", "seaborn", "plotly", "requests"];

// Keyed by id so that the compiler insists on exactly one entry per id.
const registry: { [Id in TemplateId]: Omit<Template, "id"> } = {
  "code-interpreter-v1": {
    name: "Python code interpreter",
    description: "Runs a Python script notebook-style and shows its output, tables and charts.",
    instructions: [
      "Write one Python script, script.py, that runs top to bottom like a notebook cell; no server.",
      "Print results; the value of the last expression is shown too.",
      "Charts: build them with matplotlib, seaborn or plotly and call plt.show() or fig.show().",
      "Read no input from stdin and use no files that the script does not create itself.",
    ].join("\n"),
    language: "python",
    entryFile: "script.py",
    port: null,
    libraries: [...pythonData, "scipy", "scikit-learn", "sympy", "beautifulsoup4", "openpyxl"],
    installCommand: "pip install",
    runCommand: "python3 script.py",
    hasHotReload: false,
  },
  "nextjs-developer": {
    name: "Next.js",
    description: "A Next.js app (pages router) in TypeScript, styled with Tailwind CSS.",
    instructions: [
      "Write a Next.js page in TypeScript using the pages router; the entry is pages/index.tsx.",
      "Do not create an app/ directory: it would conflict with the pages router.",
      "Style with Tailwind CSS classes; Tailwind is already configured.",
      "clsx, tailwind-merge, class-variance-authority and lucide-react are installed for",
      "shadcn/ui-style components; write any such component yourself under components/.",
      "Import your own files with relative paths or the @/ alias for the project root.",
    ].join("\n"),
    language: "typescript",
    entryFile: "pages/index.tsx",
    port: 3000,
    libraries: [
      "next",
      "react",
      "react-dom",
      "typescript",
      "@types/node",
      "@types/react",
      "@types/react-dom",
      "tailwindcss",
      "postcss",
      "autoprefixer",
      "clsx",
      "tailwind-merge",
      "class-variance-authority",
      "lucide-react",
    ],
    installCommand: "npm install",
    // Straight from node_modules/.bin: npx would start npm, one Node.js more, on every start.
    runCommand: "node_modules/.bin/next dev --port 3000 --hostname 0.0.0.0",
    hasHotReload: true,
  },
  "vue-developer": {
    name: "Vue (Nuxt)",
    description: "A Vue 3 app on Nuxt, written as single-file components in TypeScript.",
    instructions: [
      'Write a Vue 3 single-file component in app.vue with <script setup lang="ts">.',
      "Put styles in <style scoped>. Components you add under components/ are auto-imported.",
      "Use the Composition API (ref, computed, onMounted); do not use the Options API.",
    ].join("\n"),
    language: "vue",
    entryFile: "app.vue",
    port: 3000,
    libraries: ["nuxt", "vue", "vue-router", "typescript"],
    installCommand: "npm install",
    runCommand: "npx nuxi dev --port 3000 --host 0.0.0.0",
    hasHotReload: true,
  },
  "streamlit-developer": {
    name: "Streamlit",
    description: "A Python data app built with Streamlit.",
    instructions: [
      "Write a Streamlit app in app.py; it is started with `streamlit run app.py`.",
      "Do not call st.set_page_config after any other st call, and never start a server yourself.",
      "Cache slow loading with @st.cache_data.",
    ].join("\n"),
    language: "python",
    entryFile: "app.py",
    port: 8501,
    libraries: ["streamlit", ...pythonData],
    installCommand: "pip install",
    runCommand:
      "streamlit run app.py --server.port 8501 --server.address 0.0.0.0 --server.headless true",
    hasHotReload: false,
  },
  "gradio-developer": {
    name: "Gradio",
    description: "A Python web interface for a function or a model, built with Gradio.",
    instructions: [
      "Write a Gradio app in app.py that builds a gr.Blocks or gr.Interface named demo.",
      'End with demo.launch(server_name="0.0.0.0", server_port=7860).',
      "Do not use share=True: the sandbox is reached through its own URL.",
    ].join("\n"),
    language: "python",
    entryFile: "app.py",
    port: 7860,
    libraries: ["gradio", ...pythonData],
    installCommand: "pip install",
    runCommand: "python3 app.py",
    hasHotReload: false,
  },
  "static-html": {
    name: "Static HTML",
    description: "A static page of HTML, CSS and JavaScript, served as files.",
    instructions: [
      "Write a complete HTML document in index.html; CSS and JavaScript may be inline or in",
      "other files next to it, referenced by relative URLs.",
      "Nothing can be installed: load libraries from a CDN (for example",
      "https://cdn.tailwindcss.com or https://cdn.jsdelivr.net) with <script> or <link> tags.",
    ].join("\n"),
    language: "html",
    entryFile: "index.html",
    port: 8000,
    libraries: [],
    installCommand: null,
    runCommand: "python3 -m http.server 8000 --bind 0.0.0.0",
    hasHotReload: false,
  },
  "node-server": {
    name: "Node.js server",
    description: "A Node.js HTTP server or API built with Express.",
    instructions: [
      "Write an Express server in index.js using CommonJS (require), not ES modules.",
      "Listen on process.env.PORT or 3000, on host 0.0.0.0.",
      "Serve a useful response at / so that the preview shows something.",
    ].join("\n"),
    language: "javascript",
    entryFile: "index.js",
    port: 3000,
    libraries: ["express"],
    installCommand: "npm install",
    runCommand: "node index.js",
    hasHotReload: false,
  },
};

export const templates: readonly Template[] = templateIds.map((id) => ({ id, ...registry[id] }));

// A Map, so that ids like "__proto__" or "toString" find nothing.
const byId = new Map<string, Template>(templates.map((t) => [t.id, t]));

export function getTemplate(id: string): Template | undefined {
  return byId.get(id);
}

export function listPublicTemplates(): PublicTemplate[] {
  return templates.map((t) => ({
    id: t.id,
    name: t.name,
    description: t.description,
    language: t.language,
    port: t.port,
    entryFile: t.entryFile,
    libraries: [...t.libraries],
  }));
}

/**
 * The command that installs `packages` on `template`, or "" when there are none. Packages are
 * shell-quoted where needed ("pandas>=2" would otherwise redirect output to a file named =2).
 */
export function installCommandFor(template: Template, packages: readonly string[]): string {
  if (packages.length === 0) return "";
  if (!template.installCommand) {
    throw new KilnError(
      "VALIDATION_ERROR",
      `additional_dependencies: template "${template.id}" cannot install packages`,
    );
  }
  return [template.installCommand, ...packages.map(shellQuote)].join(" ");
}

function shellQuote(word: string): string {
  if (/^[\w@./=,+-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
