import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { TestClient } from "../support/client";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { needsNpmRegistry } from "../support/npm-registry";
import { previewFetch } from "../support/preview-fetch";
import { suiteEnv } from "./global-setup";

// Web templates whose dependencies come from the npm registry, on a server that lets fragments
// install packages (KILN_SANDBOX_INSTALL_NETWORK=on): the Next.js and Nuxt templates' prepared
// caches, served at the root of each preview's own origin, and a fragment's own extra package.

let kiln: KilnServer;
let client: TestClient;
const hasRegistry = inject("npmRegistry");

const fragment = (extra: Record<string, unknown>) => ({
  commentary: "",
  title: "Test",
  description: "",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
  ...extra,
});

async function run(body: unknown) {
  const response = await client.fetch("/api/sandbox", { method: "POST", json: body });
  return {
    status: response.status,
    body: (await response.json()) as ReturnType<typeof JSON.parse>,
  };
}

/** The preview's page, after checking that its scripts are on the preview's origin and load. */
async function previewedPage(url: string): Promise<string> {
  const page = await previewFetch(kiln.url, url);
  expect(page.status).toBe(200);
  const html = await page.text();
  const scripts = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]!);
  expect(scripts.length).toBeGreaterThan(0);
  for (const src of scripts.slice(0, 3)) {
    const script = new URL(src, url);
    // At the root of the app's own origin: no base path.
    expect(script.origin, src).toBe(new URL(url).origin);
    expect((await previewFetch(kiln.url, script.href)).status, src).toBe(200);
  }
  return html;
}

describe.skipIf(!hasRegistry)(needsNpmRegistry("web templates", hasRegistry), () => {
  beforeAll(async () => {
    kiln = await startKiln({ env: { ...suiteEnv, KILN_SANDBOX_INSTALL_NETWORK: "on" } });
    client = new TestClient(kiln.url);
    await client.signUp();
  });
  afterAll(() => kiln?.stop());

  test("a fragment's extra package is installed with network, into its own node_modules", async () => {
    const { status, body } = await run({
      fragment: fragment({
        template: "node-server",
        port: 3000,
        file_path: "index.js",
        additional_dependencies: ["left-pad@1.3.0"],
        code: [
          "const express = require('express');",
          "const leftPad = require('left-pad');",
          "express().get('/', (req, res) => res.send(leftPad('7', 3, '0'))).listen(process.env.PORT);",
        ].join("\n"),
      }),
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.warnings).toEqual([]);
    expect(await (await previewFetch(kiln.url, body.url)).text()).toBe("007");
  }, 120_000);

  test("a Next.js page is served at the root of its preview's origin, with its assets", async () => {
    const { status, body } = await run({
      fragment: fragment({
        template: "nextjs-developer",
        port: 3000,
        file_path: "pages/index.tsx",
        code: [
          "export default function Home() {",
          '  return <h1 className="text-3xl font-bold">Hello from Next.js</h1>;',
          "}",
        ].join("\n"),
      }),
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(await previewedPage(body.url)).toContain("Hello from Next.js");
  }, 180_000);

  test("a Next.js page run again in its sandbox is hot-reloaded by the same dev server, unless its packages change", async () => {
    // The server's process shows through a value kept on globalThis, which lives as long as it.
    const page = (title: string) => ({
      template: "nextjs-developer",
      port: 3000,
      file_path: "pages/index.tsx",
      code: [
        "const process = ((globalThis as any).kilnProcess ??= String(Math.random()));",
        "export const getServerSideProps = () => ({ props: { process } });",
        "export default function Home({ process }: { process: string }) {",
        `  return <h1>${title} <span id="process">{process}</span></h1>;`,
        "}",
      ].join("\n"),
    });
    const processOf = (html: string) => /<span id="process">([^<]+)<\/span>/.exec(html)?.[1];
    const first = await run({ fragment: fragment(page("First version")) });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const firstHtml = await previewedPage(first.body.url);
    expect(firstHtml).toContain("First version");

    const edited = await run({ sbxId: first.body.sbxId, fragment: fragment(page("Edited")) });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.sbxId).toBe(first.body.sbxId);
    let html = "";
    await expect
      .poll(async () => (html = await previewedPage(edited.body.url)), { timeout: 60_000 })
      .toContain("Edited");
    expect(processOf(html)).toBe(processOf(firstHtml));

    // A new package.json is read only when the server starts: that run restarts it.
    const scaffold = await client.fetch(`/api/sandbox/${first.body.sbxId}/files?path=package.json`);
    const packageJson = JSON.parse(((await scaffold.json()) as { content: string }).content);
    const restarted = await run({
      sbxId: first.body.sbxId,
      fragment: fragment({
        ...page("Restarted"),
        files: [
          {
            file_path: "package.json",
            code: JSON.stringify({ ...packageJson, description: "changed" }, null, 2),
          },
        ],
      }),
    });
    expect(restarted.status, JSON.stringify(restarted.body)).toBe(200);
    const restartedHtml = await previewedPage(restarted.body.url);
    expect(restartedHtml).toContain("Restarted");
    expect(processOf(restartedHtml)).not.toBe(processOf(firstHtml));
  }, 240_000);

  test("a Vue (Nuxt) page is served at the root of its preview's origin", async () => {
    const { status, body } = await run({
      fragment: fragment({
        template: "vue-developer",
        port: 3000,
        file_path: "app.vue",
        code: [
          '<script setup lang="ts">',
          "const count = ref(41);",
          "</script>",
          "<template><h1>Hello from Nuxt {{ count + 1 }}</h1></template>",
        ].join("\n"),
      }),
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(await previewedPage(body.url)).toContain("Hello from Nuxt 42");

    // Run again in the same sandbox: the dev server picks up the changed component.
    const edited = await run({
      sbxId: body.sbxId,
      fragment: fragment({
        template: "vue-developer",
        port: 3000,
        file_path: "app.vue",
        code: [
          '<script setup lang="ts">',
          "const count = ref(42);",
          "</script>",
          "<template><h1>Hello from Nuxt {{ count + 1 }}</h1></template>",
        ].join("\n"),
      }),
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    await expect
      .poll(() => previewedPage(edited.body.url), { timeout: 60_000 })
      .toContain("Hello from Nuxt 43");
  }, 240_000);
});
