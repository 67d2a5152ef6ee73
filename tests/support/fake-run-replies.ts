import { decomposeSystem, taskSystem } from "../../lib/runs/prompts.ts";

// What the fake model server answers to the steps of a build run (lib/runs), for the spec that
// fake-spec-replies.ts writes (FR-1 sign in, FR-2 boards). The plan depends on the project's
// name, which the decompose prompt carries:
// - by default three tasks, `api` depending on `store`, `pages` independent of both;
// - a name with "conflict": two tasks that both write src/config/app.js, differently, so their
//   branches cannot merge;
// - a name with "unplannable": a plan that depends on a task that does not exist, every time;
// - a name with "tested": an app with a package.json whose `npm test` runs node:test files
//   naming AC-1 and AC-2 (with "failing" too, one of those tests fails);
// - a name with "<n> independent tasks" (1 to 99): n tasks that depend on nothing, each writing
//   a file of its own under src/part-NN/, the requirements shared out between them;
// - a name with "website": one task writing public/index.html and server.js, which serves it on
//   $PORT: an app that verifies (its JavaScript is checked) and deploys.
// A task's reply writes each of its expected outputs, naming the task and the project (the task's
// instructions carry the name), so a test can match a task's prompt by project name too.

interface PlanTask {
  slug: string;
  description: string;
  instructions: string;
  dependencies: string[];
  pathScope: string[];
  expectedOutputs: string[];
  requirements: string[];
}

const task = (
  name: string,
  slug: string,
  fields: Omit<PlanTask, "slug" | "description" | "instructions">,
): PlanTask => ({
  slug,
  description: `The ${slug} of ${name}`,
  instructions: `Build the ${slug} part of ${name}.`,
  ...fields,
});

/** The plan the fake proposes for a project of this name. */
export function planFor(name: string): { tasks: PlanTask[]; mergeOrder: string[] } {
  if (/conflict/i.test(name)) {
    return {
      tasks: [
        task(name, "settings-a", {
          dependencies: [],
          pathScope: ["src/config/**"],
          expectedOutputs: ["src/config/app.js"],
          requirements: ["FR-1"],
        }),
        task(name, "settings-b", {
          dependencies: [],
          pathScope: ["src/config/app.js"],
          expectedOutputs: ["src/config/app.js"],
          requirements: ["FR-2"],
        }),
      ],
      mergeOrder: ["settings-a", "settings-b"],
    };
  }
  if (/unplannable/i.test(name)) {
    return {
      tasks: [
        task(name, "everything", {
          dependencies: ["missing-task"],
          pathScope: ["src/**"],
          expectedOutputs: ["src/index.js"],
          requirements: ["FR-1", "FR-2"],
        }),
      ],
      mergeOrder: ["everything"],
    };
  }
  const independent = /\b(\d{1,2}) independent tasks\b/i.exec(name);
  if (independent && Number(independent[1]) > 0) {
    const slugs = Array.from(
      { length: Number(independent[1]) },
      (_, i) => `part-${String(i + 1).padStart(2, "0")}`,
    );
    return {
      tasks: slugs.map((slug, i) =>
        task(name, slug, {
          dependencies: [],
          pathScope: [`src/${slug}/**`],
          expectedOutputs: [`src/${slug}/index.js`],
          requirements: [i % 2 === 0 ? "FR-1" : "FR-2"],
        }),
      ),
      mergeOrder: slugs,
    };
  }
  if (/website/i.test(name)) {
    return {
      tasks: [
        task(name, "page", {
          dependencies: [],
          pathScope: ["public/**", "server.js"],
          expectedOutputs: ["public/index.html", "server.js"],
          requirements: ["FR-1", "FR-2"],
        }),
      ],
      mergeOrder: ["page"],
    };
  }
  if (/tested/i.test(name)) {
    return {
      tasks: [
        task(name, "store", {
          dependencies: [],
          pathScope: ["src/**", "package.json"],
          expectedOutputs: ["package.json", "src/boards.js"],
          requirements: ["FR-2"],
        }),
        task(name, "pages", {
          dependencies: ["store"],
          pathScope: ["test/**"],
          expectedOutputs: ["test/app.test.js"],
          requirements: ["FR-1"],
        }),
      ],
      mergeOrder: ["store", "pages"],
    };
  }
  return {
    tasks: [
      task(name, "store", {
        dependencies: [],
        pathScope: ["src/store/**"],
        expectedOutputs: ["src/store/boards.js"],
        requirements: ["FR-2"],
      }),
      task(name, "api", {
        dependencies: ["store"],
        pathScope: ["src/api/**"],
        expectedOutputs: ["src/api/boards.js"],
        requirements: ["FR-2"],
      }),
      task(name, "pages", {
        dependencies: [],
        pathScope: ["src/pages/**"],
        expectedOutputs: ["src/pages/index.html"],
        requirements: ["FR-1"],
      }),
    ],
    mergeOrder: ["store", "pages", "api"],
  };
}

/** The content the fake writes for a file of a task. */
export function fileContent(slug: string, file: string, instructions: string): string {
  if (file === "package.json") {
    return `${JSON.stringify({ name: "board", private: true, type: "module", scripts: { test: "node --test" } }, null, 2)}\n`;
  }
  if (file === "test/app.test.js") {
    const expected = /failing/i.test(instructions) ? "a different board" : "Boards";
    return [
      'import assert from "node:assert/strict";',
      'import { test } from "node:test";',
      'import { boards, title } from "../src/boards.js";',
      "",
      'test("AC-1 the page has a title", () => assert.equal(title, "Boards"));',
      `test("AC-2 a board is listed", () => assert.deepEqual(boards(), [${JSON.stringify(expected)}]));`,
      "",
    ].join("\n");
  }
  if (file === "public/index.html") {
    const project = /^Build the \S+ part of (.*)\.$/.exec(instructions)?.[1] ?? "the board";
    return `<!doctype html>\n<html><head><title>${project}</title></head><body><h1>${project} is live</h1></body></html>\n`;
  }
  if (file === "server.js") {
    return [
      'const http = require("node:http");',
      'const fs = require("node:fs");',
      'const path = require("node:path");',
      'const page = fs.readFileSync(path.join(__dirname, "public", "index.html"));',
      "http",
      "  .createServer((_request, response) => {",
      '    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });',
      "    response.end(page);",
      "  })",
      '  .listen(Number(process.env.PORT) || 3000, () => console.log("Serving", page.length, "bytes"));',
      "",
    ].join("\n");
  }
  if (file === "src/boards.js") {
    return 'export const title = "Boards";\nexport const boards = () => [title];\n';
  }
  return `// ${file}, written for the task ${slug}: ${instructions}\nexport const task = ${JSON.stringify(slug)};\n`;
}

/** Whether a request is a task's model call. */
export const isTaskPrompt = (prompt: string) => prompt.includes(taskSystem);
/** Whether a request is a run's planning call. */
export const isPlanPrompt = (prompt: string) => prompt.includes(decomposeSystem);

/** The reply to a build step's prompt, or undefined when the prompt is not one. */
export function runReply(prompt: string): { json: unknown } | undefined {
  if (isPlanPrompt(prompt)) {
    const name = /^Project: (.*)$/m.exec(prompt)?.[1] ?? "";
    return { json: planFor(name) };
  }
  if (!isTaskPrompt(prompt)) return undefined;
  const slug = /^The task: (\S+) — /m.exec(prompt)?.[1] ?? "task";
  const instructions = /^Instructions:\n(.*)$/m.exec(prompt)?.[1] ?? "";
  const outputs = /^Expected outputs: (.*)$/m.exec(prompt)?.[1] ?? "";
  const files = outputs.startsWith("(") ? [] : outputs.split(", ");
  return {
    json: {
      files: files.map((file) => ({ path: file, content: fileContent(slug, file, instructions) })),
      notes: `Wrote ${files.join(", ")}.`,
    },
  };
}
