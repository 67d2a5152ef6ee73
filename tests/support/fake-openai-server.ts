// The fake OpenAI server as a process, for Playwright's web servers and for trying the IDE by
// hand: `node tests/support/fake-openai-server.ts --port 3211`. Every chat request gets a small
// static page written slowly enough to watch it stream (a Python script when the prompt asks for
// a "sum of squares", 200 lines of output for a "long listing", an Express app for an "express
// server", a Next.js page for a "Next.js counter", a Nuxt page for a "Vue counter", a page in
// three files for a "multi-file page"); edit requests get one edit; a project's clarify and spec steps get questions and a
// valid spec (fake-spec-replies.ts).
import { parseArgs } from "node:util";
import { startFakeOpenAI } from "./fake-openai.ts";
import { runReply } from "./fake-run-replies.ts";
import { specReply } from "./fake-spec-replies.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3211" },
    "chunk-delay": { type: "string", default: "12" },
  },
});

const page = (title: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <style>
      body { font-family: system-ui, sans-serif; margin: 4rem auto; max-width: 40rem; }
      h1 { color: #f97316; }
    </style>
  </head>
  <body>
    <h1>${title}</h1>
    <p>Written by the fake model for Kiln's tests.</p>
    <button id="count">Clicked 0 times</button>
    <script>
      let clicks = 0;
      document.getElementById("count").addEventListener("click", (event) => {
        clicks += 1;
        event.target.textContent = "Clicked " + clicks + " times";
      });
    </script>
  </body>
</html>
`;

/** A pages-router page whose counter works only once React has hydrated it. */
const nextPage = (title: string) => `import { useState } from "react";

export default function Home() {
  const [clicks, setClicks] = useState(0);
  return (
    <main className="mx-auto max-w-xl p-8 font-sans">
      <h1 className="text-3xl font-bold text-orange-500">${title}</h1>
      <p className="mt-2 text-zinc-600">Rendered by Next.js in a Kiln sandbox.</p>
      <button
        type="button"
        className="mt-6 rounded bg-zinc-900 px-4 py-2 text-white"
        onClick={() => setClicks(clicks + 1)}
      >
        Clicked {clicks} times
      </button>
    </main>
  );
}
`;

const fake = await startFakeOpenAI({
  port: Number(values.port),
  models: ["fake-builder"],
  chunkDelayMs: Number(values["chunk-delay"]),
  defaultReply: (request) => {
    const spec = specReply(request.prompt) ?? runReply(request.prompt);
    if (spec) return spec;
    if (request.prompt.includes("targeted edits")) {
      return {
        json: {
          commentary: "Made the heading say hello.",
          edits: [{ file_path: "index.html", search: "<h1>", replace: '<h1 class="hello">' }],
          title: null,
          description: null,
          additional_dependencies: null,
        },
      };
    }
    // An Express app whose button calls its own API, for an "express counter".
    if (request.prompt.includes("express counter")) {
      return {
        json: {
          commentary: "An Express server whose page counts clicks on the server.",
          template: "node-server",
          title: "Express counter",
          description: "A page whose button asks the server's own API to count.",
          additional_dependencies: [],
          has_additional_dependencies: false,
          install_dependencies_command: "",
          port: 3000,
          file_path: "index.js",
          code: [
            "const express = require('express');",
            "const app = express();",
            "let count = 0;",
            "app.get('/', (req, res) => res.send(`<h1>Express counter</h1>",
            '<button id="count">Counted 0 on the server</button>',
            "<script>",
            "document.getElementById('count').onclick = async (event) => {",
            "  const { count } = await (await fetch('/api/count', { method: 'POST' })).json();",
            "  event.target.textContent = 'Counted ' + count + ' on the server';",
            "};",
            "</script>`));",
            "app.post('/api/count', (req, res) => res.json({ count: ++count }));",
            "app.listen(process.env.PORT || 3000, '0.0.0.0');",
          ].join("\n"),
          files: [],
        },
      };
    }
    if (request.prompt.includes("express server")) {
      return {
        json: {
          commentary: "An Express server.",
          template: "node-server",
          title: "Greeting server",
          description: "Greets whoever visits.",
          additional_dependencies: [],
          has_additional_dependencies: false,
          install_dependencies_command: "",
          port: 3000,
          file_path: "index.js",
          code: [
            "const express = require('express');",
            "const app = express();",
            "app.get('/', (req, res) => res.send('<h1>Hello from Express</h1><a href=\"about\">About</a>'));",
            "app.get('/about', (req, res) => res.send('<h1>About this server</h1>'));",
            "app.listen(process.env.PORT || 3000, '0.0.0.0');",
          ].join("\n"),
          files: [],
        },
      };
    }
    if (request.prompt.includes("Next.js counter")) {
      return {
        json: {
          commentary: "A Next.js page with a counter.",
          template: "nextjs-developer",
          title: "Next.js counter",
          description: "A page that counts clicks in React state.",
          additional_dependencies: [],
          has_additional_dependencies: false,
          install_dependencies_command: "",
          port: 3000,
          file_path: "pages/index.tsx",
          code: nextPage("Next.js counter"),
          files: [],
        },
      };
    }
    if (request.prompt.includes("Vue counter")) {
      return {
        json: {
          commentary: "A Nuxt page with a counter.",
          template: "vue-developer",
          title: "Vue counter",
          description: "A page that counts clicks in a Vue ref.",
          additional_dependencies: [],
          has_additional_dependencies: false,
          install_dependencies_command: "",
          port: 3000,
          file_path: "app.vue",
          code: [
            '<script setup lang="ts">',
            "const count = ref(0);",
            "</script>",
            "",
            "<template>",
            "  <main>",
            "    <h1>Vue counter</h1>",
            '    <button type="button" @click="count++">Clicked {{ count }} times</button>',
            "  </main>",
            "</template>",
            "",
            "<style scoped>",
            "h1 { font-weight: 700; }",
            "</style>",
          ].join("\n"),
          files: [],
        },
      };
    }
    if (request.prompt.includes("multi-file page")) {
      return {
        json: {
          commentary: "A page with its style sheet and script in files of their own.",
          template: "static-html",
          title: "Three-file page",
          description: "A page, its CSS and its JavaScript.",
          additional_dependencies: [],
          has_additional_dependencies: false,
          install_dependencies_command: "",
          port: 8000,
          file_path: "index.html",
          code: [
            "<!doctype html>",
            '<html lang="en">',
            '<head><meta charset="utf-8"><title>Three files</title><link rel="stylesheet" href="css/style.css"></head>',
            '<body><h1>Three files</h1><button id="go">Go</button><script src="js/app.js"></script></body>',
            "</html>",
          ].join("\n"),
          files: [
            { file_path: "css/style.css", code: "h1 { color: #c2410c; }\n" },
            {
              file_path: "js/app.js",
              code: 'document.getElementById("go").addEventListener("click", () => alert("Gone"));\n',
            },
          ],
        },
      };
    }
    if (request.prompt.includes("long listing")) {
      return {
        json: {
          commentary: "A script that prints a long listing.",
          template: "code-interpreter-v1",
          title: "Long listing",
          description: "Prints 200 numbered lines.",
          additional_dependencies: [],
          has_additional_dependencies: false,
          install_dependencies_command: "",
          port: null,
          file_path: "script.py",
          code: "for n in range(1, 201):\n    print('line', n)\n",
          files: [],
        },
      };
    }
    if (request.prompt.includes("sum of squares")) {
      return {
        json: {
          commentary: "A short script.",
          template: "code-interpreter-v1",
          title: "Sum of squares",
          description: "Adds up the first ten squares.",
          additional_dependencies: [],
          has_additional_dependencies: false,
          install_dependencies_command: "",
          port: null,
          file_path: "script.py",
          code: "squares = [n * n for n in range(1, 11)]\nprint('squares:', squares)\nsum(squares)\n",
          files: [],
        },
      };
    }
    return {
      // "…, slowly": the same page written at a crawl, for a test that must act mid-stream.
      ...(request.prompt.includes("slowly") ? { chunkDelayMs: 150 } : {}),
      json: {
        commentary: "A static page with a click counter.",
        template: "static-html",
        title: "Click counter",
        description: "A page that counts clicks.",
        additional_dependencies: [],
        has_additional_dependencies: false,
        install_dependencies_command: "",
        port: 8000,
        file_path: "index.html",
        code: page("Click counter"),
        files: [],
      },
    };
  },
});
console.log(`fake OpenAI listening on ${fake.url}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void fake.close().then(() => process.exit(0)));
}
