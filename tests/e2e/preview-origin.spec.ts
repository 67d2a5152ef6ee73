import { expect, type Page, test } from "@playwright/test";
import { npmRegistry, npmRegistryReachable } from "../support/npm-registry";
import { shot, signUp } from "./ide-steps";

// Each preview is served at the root of its own origin, `<token>.preview.localhost:<port>`
// (Chromium resolves *.localhost to loopback): the app's absolute links and fetch('/api/…')
// stay inside it, and Kiln's session cookie never reaches it.

const hasRegistry = await npmRegistryReachable();

const base = {
  commentary: "",
  description: "",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
};

const staticCounter = {
  ...base,
  title: "Static counter",
  template: "static-html",
  port: 8000,
  file_path: "index.html",
  code: [
    "<!doctype html><title>Static counter</title>",
    "<h1>Static on its own origin</h1>",
    '<button id="b">Clicked 0 times</button> <a href="/about.html">About</a>',
    "<script>let n = 0; b.onclick = () => { b.textContent = 'Clicked ' + ++n + ' times'; };</script>",
  ].join("\n"),
  files: [{ file_path: "about.html", code: "<!doctype html><h1>About, at the root</h1>" }],
};

const nextCounter = {
  ...base,
  title: "Next counter",
  template: "nextjs-developer",
  port: 3000,
  file_path: "pages/index.tsx",
  code: [
    'import { useEffect, useState } from "react";',
    "export default function Home() {",
    "  const [count, setCount] = useState(0);",
    '  const [api, setApi] = useState("");',
    "  useEffect(() => {",
    '    fetch("/api/hello").then((r) => r.json()).then((body) => setApi(body.message));',
    "  }, []);",
    "  return (",
    "    <main>",
    "      <h1>Next.js on its own origin</h1>",
    "      <button onClick={() => setCount(count + 1)}>Clicked {count} times</button>",
    "      <p>api: {api}</p>",
    "    </main>",
    "  );",
    "}",
  ].join("\n"),
  files: [
    {
      file_path: "pages/api/hello.ts",
      code: [
        'import type { NextApiRequest, NextApiResponse } from "next";',
        "export default function handler(_req: NextApiRequest, res: NextApiResponse) {",
        '  res.status(200).json({ message: "from the app itself" });',
        "}",
      ].join("\n"),
    },
  ],
};

/** Runs a fragment through Kiln's API as the signed-in user; answers the preview's URL. */
async function runFragment(page: Page, fragment: unknown): Promise<string> {
  const response = await page.request.post("/api/sandbox", {
    data: { fragment },
    headers: { origin: new URL(page.url()).origin },
    timeout: 300_000,
  });
  const body = await response.json();
  expect(response.status(), JSON.stringify(body)).toBe(200);
  expect(body.url).toMatch(/^http:\/\/[0-9a-f]{32}\.preview\.localhost:\d+\/$/);
  return body.url;
}

/** What the preview's page can see of cookies and its own origin. */
async function originFacts(page: Page) {
  return page.evaluate(() => ({ origin: window.origin, cookie: document.cookie }));
}

test("a static preview runs at the root of its own origin, out of reach of Kiln's cookie", async ({
  page,
}) => {
  await signUp(page, "origin-static");
  const kilnOrigin = new URL(page.url()).origin;
  const url = await runFragment(page, staticCounter);

  const preview = await page.context().newPage();
  await preview.goto(url);
  await expect(preview.getByRole("heading", { name: "Static on its own origin" })).toBeVisible();
  await preview.getByRole("button", { name: "Clicked 0 times" }).click();
  await expect(preview.getByRole("button", { name: "Clicked 1 times" })).toBeVisible();
  const facts = await originFacts(preview);
  expect(facts.origin).toBe(new URL(url).origin);
  expect(facts.origin).not.toBe(kilnOrigin);
  expect(facts.cookie).not.toContain("kiln_session");
  // An absolute link stays inside the app.
  await preview.getByRole("link", { name: "About" }).click();
  await expect(preview.getByRole("heading", { name: "About, at the root" })).toBeVisible();
  expect(new URL(preview.url()).origin).toBe(new URL(url).origin);
  await shot(preview, "preview-origin-01-static");
  await preview.close();

  // Kiln's own page may frame it.
  await page.evaluate((src) => {
    const frame = document.createElement("iframe");
    frame.title = "Framed preview";
    frame.src = src;
    document.body.append(frame);
  }, url);
  const framed = page.frameLocator("iframe[title='Framed preview']");
  await expect(framed.getByRole("heading", { name: "Static on its own origin" })).toBeVisible();
  await framed.getByRole("button", { name: "Clicked 0 times" }).click();
  await expect(framed.getByRole("button", { name: "Clicked 1 times" })).toBeVisible();
});

test("a Next.js preview runs at the root of its own origin; its fetch('/api/…') reaches the app", async ({
  page,
}) => {
  test.skip(!hasRegistry, `needs the npm registry (${npmRegistry} did not answer)`);
  test.setTimeout(420_000);
  await signUp(page, "origin-next");
  const url = await runFragment(page, nextCounter);

  const preview = await page.context().newPage();
  await preview.goto(url);
  await expect(preview.getByRole("heading", { name: "Next.js on its own origin" })).toBeVisible({
    timeout: 120_000,
  });
  await expect(preview.getByText("api: from the app itself")).toBeVisible({ timeout: 60_000 });
  // Only React, hydrated by the dev server's scripts, counts clicks.
  const button = preview.getByRole("button", { name: /^Clicked \d+ times$/ });
  await expect(async () => {
    await button.click();
    await expect(button).not.toHaveText("Clicked 0 times", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  const facts = await originFacts(preview);
  expect(facts.origin).toBe(new URL(url).origin);
  expect(facts.cookie).not.toContain("kiln_session");
  await shot(preview, "preview-origin-02-nextjs");
});
