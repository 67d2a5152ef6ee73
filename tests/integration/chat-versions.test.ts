import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai";
import { cleanEnv, type KilnServer, startKiln } from "../support/kiln-server";
import { suiteEnv } from "./global-setup";

// A user's own edit of a chat's app, saved as its next version (POST /api/chats/:id/versions),
// and the templates this server can run: listed as such (GET /api/templates), refused before any
// model call when chosen, and left out of the model's choices otherwise.

const serverKey = "sk-server-held-key-versions-0123";
const page = {
  commentary: "A page with a style sheet.",
  template: "static-html",
  title: "Styled page",
  description: "A page and its CSS.",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
  port: 8000,
  file_path: "index.html",
  code: '<!doctype html><link rel="stylesheet" href="style.css"><h1>Hi</h1>',
  files: [{ file_path: "style.css", code: "h1 { color: red; }" }],
};

interface Message {
  id: string;
  role: string;
  content: string;
  status: string;
  fragment: typeof page | null;
}

let fake: FakeOpenAI;
let kiln: KilnServer;
beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: serverKey, models: ["kiln-test-model"] });
  kiln = await startKiln({
    env: { ...suiteEnv, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: serverKey },
  });
});
afterAll(async () => {
  await kiln?.stop();
  await fake?.close();
});

/** A signed-up user with a chat whose app is `page`. */
async function chatWithPage(marker: string) {
  const client = new TestClient(kiln.url);
  await client.signUp();
  fake.script({ when: (r) => r.prompt.includes(marker), json: page });
  const response = await client.fetch("/api/chat", {
    method: "POST",
    json: { messages: [{ role: "user", content: `A styled page ${marker}` }] },
    headers: { accept: "application/json" },
  });
  expect(response.status).toBe(200);
  const { chatId } = (await response.json()) as { chatId: string };
  return { client, chatId };
}

const save = (client: TestClient, chatId: string, fragment: unknown) =>
  client.fetch(`/api/chats/${chatId}/versions`, { method: "POST", json: { fragment } });

const messagesOf = async (client: TestClient, chatId: string) =>
  ((await (await client.fetch(`/api/chats/${chatId}`)).json()) as { messages: Message[] }).messages;

describe("POST /api/chats/:id/versions", () => {
  test("stores the edit as the chat's newest version, naming the changed files", async () => {
    const { client, chatId } = await chatWithPage("version-1");
    const edited = {
      ...page,
      files: [{ file_path: "style.css", code: "h1 { color: teal; }" }],
    };
    const response = await save(client, chatId, edited);
    expect(response.status).toBe(201);
    const saved = (await response.json()) as Message;
    expect(saved).toMatchObject({
      role: "assistant",
      status: "complete",
      content: "Edited by hand: style.css.",
      fragment: { ...edited, commentary: "Edited by hand: style.css." },
    });
    const messages = await messagesOf(client, chatId);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "assistant"]);
    expect(messages.at(-1)).toMatchObject({ id: saved.id, fragment: { files: edited.files } });
    expect(messages[1]?.fragment?.files).toEqual(page.files);
  });

  test("refuses a change of template, an unchanged app and an unsafe path, storing nothing", async () => {
    const { client, chatId } = await chatWithPage("version-2");
    const cases: [unknown, string][] = [
      [
        { ...page, template: "node-server", port: 3000, file_path: "index.js" },
        "fragment.template",
      ],
      [page, "nothing changed"],
      [{ ...page, files: [{ file_path: "../escape.css", code: "x" }] }, 'must not contain ".."'],
    ];
    for (const [fragment, problem] of cases) {
      const response = await save(client, chatId, fragment);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toContain(problem);
    }
    expect(await messagesOf(client, chatId)).toHaveLength(2);
  });

  test("another user's chat, or none, is not found", async () => {
    const { chatId } = await chatWithPage("version-3");
    const stranger = new TestClient(kiln.url);
    await stranger.signUp();
    const changed = { ...page, code: `${page.code}<p>mine</p>` };
    expect((await save(stranger, chatId, changed)).status).toBe(404);
    expect((await save(stranger, "chat_doesnotexist", changed)).status).toBe(404);
    expect(
      (
        await new TestClient(kiln.url).fetch(`/api/chats/${chatId}/versions`, {
          method: "POST",
          json: { fragment: changed },
        })
      ).status,
    ).toBe(401);
  });
});

const hasPython = (module: string) => {
  try {
    execFileSync("/usr/bin/python3", ["-c", `import ${module}`], {
      stdio: "ignore",
      env: cleanEnv({ PATH: "/usr/bin:/bin", PYTHONNOUSERSITE: "1" }),
    });
    return true;
  } catch {
    return false;
  }
};

describe("GET /api/templates", () => {
  test("says which templates this server can run, and why not", async () => {
    const client = new TestClient(kiln.url);
    await client.signUp();
    const response = await client.fetch("/api/templates");
    expect(response.status).toBe(200);
    const { templates } = (await response.json()) as {
      templates: { id: string; available: boolean; reason?: string }[];
    };
    const byId = new Map(templates.map((t) => [t.id, t]));
    for (const id of ["code-interpreter-v1", "static-html"]) {
      expect(byId.get(id)).toMatchObject({ available: true });
      expect(byId.get(id)?.reason).toBeUndefined();
    }
    for (const [id, module, name] of [
      ["streamlit-developer", "streamlit", "Streamlit"],
      ["gradio-developer", "gradio", "Gradio"],
    ] as const) {
      const template = byId.get(id);
      if (hasPython(module)) expect(template).toMatchObject({ available: true });
      else
        expect(template).toEqual(
          expect.objectContaining({
            available: false,
            reason: `The ${name} template cannot run on this server: its Python package "${module}" is not installed, and this server cannot install Python packages.`,
          }),
        );
    }
  });
});

const hasStreamlit = hasPython("streamlit");

describe.skipIf(hasStreamlit)("POST /api/chat on a server without streamlit", () => {
  test("a chat on the Streamlit template is refused before any model call", async () => {
    const client = new TestClient(kiln.url);
    await client.signUp();
    const before = fake.requests.length;
    const response = await client.fetch("/api/chat", {
      method: "POST",
      json: {
        messages: [{ role: "user", content: "A dashboard streamlit-refused" }],
        template: "streamlit-developer",
      },
      headers: { accept: "application/json" },
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { message: string }).message).toContain(
      'its Python package "streamlit" is not installed',
    );
    expect(fake.requests.length).toBe(before);
    const chats = (await (await client.fetch("/api/chats")).json()) as { total: number };
    expect(chats.total).toBe(0);
  });

  test("with any template, the model is not offered the ones this server cannot run", async () => {
    await chatWithPage("auto-offer");
    const request = fake.requests.find((r) => r.prompt.includes("auto-offer"));
    expect(request?.prompt).toContain("## static-html: ");
    expect(request?.prompt).not.toContain("streamlit-developer");
  });
});
