// The fake OpenAI server as a process, for Playwright's web servers and for trying the IDE by
// hand: `node tests/support/fake-openai-server.ts --port 3211`. Every chat request gets a small
// static page written slowly enough to watch it stream (a Python script when the prompt asks for
// a "sum of squares", an Express app for an "express server"); edit requests get one edit.
import { parseArgs } from "node:util";
import { startFakeOpenAI } from "./fake-openai.ts";

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

const fake = await startFakeOpenAI({
  port: Number(values.port),
  models: ["fake-builder"],
  chunkDelayMs: Number(values["chunk-delay"]),
  defaultReply: (request) => {
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
