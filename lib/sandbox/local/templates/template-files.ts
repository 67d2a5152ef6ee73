import "server-only";
import type { TemplateId } from "@/lib/templates/templates";

// The files a web template's project starts from, written into a sandbox's workspace before the
// fragment's own files. package.json pins exact versions: the dependencies are installed once
// per version of these files (template-cache.ts), so a change here is a new cache entry.
//
// Kiln serves each preview at the root of its own origin (`<token>.preview.localhost`), so apps
// run at `/` with no base path. node_modules is mounted read-only, so nothing may cache into it:
// Vite's cache lives in the project.

export interface TemplateFile {
  /** Relative to the project root (/workspace). */
  path: string;
  content: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const lines = (...text: string[]) => `${text.join("\n")}\n`;

// Express 4 rather than 5: model-written servers use v4 routes such as app.get("*"), which
// Express 5 rejects at startup.
const nodeServer: TemplateFile[] = [
  {
    path: "package.json",
    content: json({
      name: "kiln-node-server",
      version: "0.1.0",
      private: true,
      main: "index.js",
      scripts: { start: "node index.js" },
      dependencies: { express: "4.22.3" },
    }),
  },
];

// Tailwind 3 with PostCSS and Autoprefixer, as the template's library list says; tailwind-merge 2
// is the line that understands Tailwind 3 classes. TypeScript 5: Next.js reads tsconfig through
// the TypeScript compiler API, which TypeScript 7 no longer ships.
const nextjs: TemplateFile[] = [
  {
    path: "package.json",
    content: json({
      name: "kiln-nextjs-app",
      version: "0.1.0",
      private: true,
      scripts: { dev: "next dev", build: "next build", start: "next start" },
      dependencies: {
        "@types/node": "22.20.5",
        "@types/react": "19.3.0",
        "@types/react-dom": "19.3.0",
        autoprefixer: "10.7.0",
        "class-variance-authority": "0.7.1",
        clsx: "2.1.1",
        "lucide-react": "1.77.0",
        next: "16.4.6",
        postcss: "8.5.33",
        react: "19.3.1",
        "react-dom": "19.3.1",
        "tailwind-merge": "2.6.1",
        tailwindcss: "3.4.19",
        typescript: "5.9.3",
      },
    }),
  },
  {
    path: "next.config.mjs",
    content: lines(
      "/** @type {import('next').NextConfig} */",
      "const nextConfig = {",
      "  reactStrictMode: true,",
      "  devIndicators: false,",
      "};",
      "",
      "export default nextConfig;",
    ),
  },
  {
    path: "tsconfig.json",
    content: json({
      compilerOptions: {
        target: "ES2017",
        lib: ["dom", "dom.iterable", "esnext"],
        allowJs: true,
        skipLibCheck: true,
        strict: true,
        noEmit: true,
        esModuleInterop: true,
        module: "esnext",
        moduleResolution: "bundler",
        resolveJsonModule: true,
        isolatedModules: true,
        jsx: "react-jsx",
        incremental: true,
        paths: { "@/*": ["./*"] },
      },
      include: ["next-env.d.ts", "**/*.ts", "**/*.tsx"],
      exclude: ["node_modules"],
    }),
  },
  {
    path: "tailwind.config.js",
    content: lines(
      "/** @type {import('tailwindcss').Config} */",
      "module.exports = {",
      "  content: [",
      '    "./pages/**/*.{js,ts,jsx,tsx,mdx}",',
      '    "./components/**/*.{js,ts,jsx,tsx,mdx}",',
      '    "./lib/**/*.{js,ts,jsx,tsx}",',
      "  ],",
      "  theme: { extend: {} },",
      "  plugins: [],",
      "};",
    ),
  },
  {
    path: "postcss.config.js",
    content: lines("module.exports = {", "  plugins: { tailwindcss: {}, autoprefixer: {} },", "};"),
  },
  {
    path: "styles/globals.css",
    content: lines("@tailwind base;", "@tailwind components;", "@tailwind utilities;"),
  },
  {
    path: "pages/_app.tsx",
    content: lines(
      'import type { AppProps } from "next/app";',
      'import "@/styles/globals.css";',
      "",
      "export default function App({ Component, pageProps }: AppProps) {",
      "  return <Component {...pageProps} />;",
      "}",
    ),
  },
  {
    // The helper shadcn/ui-style components import from @/lib/utils.
    path: "lib/utils.ts",
    content: lines(
      'import { type ClassValue, clsx } from "clsx";',
      'import { twMerge } from "tailwind-merge";',
      "",
      "export function cn(...inputs: ClassValue[]) {",
      "  return twMerge(clsx(inputs));",
      "}",
    ),
  },
];

const nuxt: TemplateFile[] = [
  {
    path: "package.json",
    content: json({
      name: "kiln-nuxt-app",
      version: "0.1.0",
      private: true,
      type: "module",
      scripts: { dev: "nuxt dev", build: "nuxt build" },
      dependencies: {
        nuxt: "4.5.2",
        typescript: "5.9.3",
        vue: "3.5.45",
        "vue-router": "5.5.1",
      },
    }),
  },
  {
    path: "nuxt.config.ts",
    content: lines(
      "// node_modules is read-only: caches go into the project, and nothing else may write there.",
      "export default defineNuxtConfig({",
      '  compatibilityDate: "2026-01-01",',
      '  srcDir: ".",',
      "  devtools: { enabled: false },",
      "  telemetry: false,",
      '  vite: { cacheDir: ".cache/vite" },',
      "  experimental: { chromeDevtoolsProjectSettings: false },",
      "});",
    ),
  },
  {
    path: "tsconfig.json",
    content: json({ extends: "./.nuxt/tsconfig.json" }),
  },
];

const files: { [Id in TemplateId]: readonly TemplateFile[] } = {
  "code-interpreter-v1": [],
  "nextjs-developer": nextjs,
  "vue-developer": nuxt,
  "streamlit-developer": [],
  "gradio-developer": [],
  "static-html": [],
  "node-server": nodeServer,
};

/** The scaffold of a template's project; empty for templates that start from nothing. */
export function templateFiles(id: TemplateId): TemplateFile[] {
  return files[id].map((file) => ({ ...file }));
}
