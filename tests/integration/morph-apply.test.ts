import { afterAll, beforeAll, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { suiteEnv } from "./global-setup";

// With MORPH_API_KEY, Morph's apply model (a fake speaking OpenAI's Chat Completions, as Morph
// does) merges the editing model's updates; when it fails, Kiln's own edits take over.

const modelKey = "sk-model-key-0123456789ab";
const morphKey = "sk-morph-key-0123456789ab";
const fragment = {
  commentary: "A greeting.",
  template: "node-server",
  title: "Greeter",
  description: "Says hello.",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
  port: 3000,
  file_path: "index.js",
  code: 'const express = require("express");\nconst app = express();\napp.get("/", (_req, res) => res.send("hello"));\napp.listen(3000, "0.0.0.0");\n',
};
const merged = fragment.code.replace('"hello"', '"hello, world"');
const mine = (marker: string) => (r: { prompt: string }) => r.prompt.includes(marker);

let model: FakeOpenAI;
let morph: FakeOpenAI;
let kiln: KilnServer;
beforeAll(async () => {
  model = await startFakeOpenAI({ apiKey: modelKey, models: ["editor"] });
  morph = await startFakeOpenAI({ apiKey: morphKey, models: ["morph-v3-fast"] });
  kiln = await startKiln({
    env: {
      ...suiteEnv,
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: modelKey,
      MORPH_API_KEY: morphKey,
      MORPH_BASE_URL: morph.url,
    },
  });
});
afterAll(async () => {
  await kiln?.stop();
  await Promise.all([model?.close(), morph?.close()]);
});

const edit = (client: TestClient, marker: string) =>
  client.fetch("/api/chat/morph-chat", {
    method: "POST",
    json: {
      messages: [{ role: "user", content: `Greet the world ${marker}` }],
      currentFragment: fragment,
    },
  });

test("the editing model writes an update, Morph merges it, and only Morph gets Morph's key", async () => {
  const browser = new TestClient(kiln.url);
  await browser.signUp();
  model.script({
    when: mine("merge-ok"),
    json: {
      commentary: "Greets the world.",
      files: [
        {
          file_path: "index.js",
          update:
            '// ... existing code ...\napp.get("/", (_req, res) => res.send("hello, world"));\n// ... existing code ...',
        },
      ],
      title: null,
      description: null,
      additional_dependencies: null,
    },
  });
  morph.script({ when: mine("merge-ok"), text: merged });
  const response = await edit(browser, "merge-ok");
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({
    code: merged,
    commentary: "Greets the world.",
    port: 3000,
  });

  const [merge] = morph.requests.filter(mine("merge-ok"));
  expect(merge?.apiKey).toBe(morphKey);
  expect(merge?.body?.model).toBe("morph-v3-fast");
  expect(merge?.prompt).toContain(`<code>${fragment.code}</code>`);
  expect(merge?.prompt).toContain("<update>// ... existing code ...");
  const editing = model.requests.filter(mine("merge-ok"));
  expect(editing).toHaveLength(1);
  expect(editing[0]?.prompt).toContain("existing code");
  for (const r of model.requests) expect(JSON.stringify(r.headers)).not.toContain(morphKey);
});

test("when Morph fails, Kiln's own search/replace edits make the change", async () => {
  const browser = new TestClient(kiln.url);
  await browser.signUp();
  const updates = (r: { schema: unknown }) => JSON.stringify(r.schema).includes('"update"');
  model.script(
    {
      when: (r) => mine("merge-down")(r) && updates(r),
      json: {
        commentary: "x",
        files: [{ file_path: "index.js", update: "// ... existing code ..." }],
        title: null,
        description: null,
        additional_dependencies: null,
      },
    },
    {
      when: (r) => mine("merge-down")(r) && !updates(r),
      json: {
        commentary: "Greets the world.",
        edits: [{ file_path: "index.js", search: '"hello"', replace: '"hello, world"' }],
        title: null,
        description: null,
        additional_dependencies: null,
      },
    },
  );
  const down = { status: 503, message: "overloaded" };
  morph.script(
    { when: mine("merge-down"), error: down },
    { when: mine("merge-down"), error: down },
  );
  const response = await edit(browser, "merge-down");
  expect(response.status).toBe(200);
  expect(((await response.json()) as { code: string }).code).toBe(merged);
  const usage = (await (await browser.fetch("/api/usage")).json()) as {
    rows: { provider: string; purpose: string; failures: number }[];
  };
  expect(usage.rows).toContainEqual(
    expect.objectContaining({ provider: "morph", purpose: "morph_apply", failures: 1 }),
  );
});
