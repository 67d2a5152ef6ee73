import { expect, type Page, test } from "@playwright/test";
import { npmRegistry, npmRegistryReachable } from "../support/npm-registry";
import { build, shot, signUp } from "./ide-steps";

// Running what the model wrote: a static page comes up as a live preview that cannot act as the
// signed-in user, a Python script shows its output cells, and the terminal runs in the sandbox.
// The Node and Next.js templates install their dependencies from the npm registry.

const hasRegistry = await npmRegistryReachable();
const registrySkip = `needs the npm registry (${npmRegistry} did not answer)`;

/** The preview's frame, once its document (scripts included) has loaded. */
async function previewFrame(page: Page) {
  const current = () =>
    page.frames().findLast((f) => f.url().includes(".preview.localhost") && !f.isDetached());
  await expect.poll(() => Boolean(current())).toBe(true);
  const frame = current()!;
  await frame.waitForLoadState("load");
  return frame;
}

/** Builds the fragment the prompt asks for, which runs by itself, and shows its output. */
async function buildAndRun(page: Page, prompt: string) {
  await build(page, prompt);
  await page.getByRole("tab", { name: /^(preview|output)$/i }).click();
}

const appPreview = (page: Page) => page.frameLocator("iframe[title='App preview']");

test("static preview: the page runs live, on its own origin out of reach of Kiln's cookies", async ({
  page,
}) => {
  await signUp(page, "run");
  await buildAndRun(page, "Build a click counter page");
  const preview = appPreview(page);
  await expect(preview.getByRole("heading", { name: "Click counter" })).toBeVisible({
    timeout: 60_000,
  });
  // The page arrives streamed through the proxy: its script may run after the button shows.
  await previewFrame(page);
  await preview.getByRole("button", { name: "Clicked 0 times" }).click();
  await expect(preview.getByRole("button", { name: "Clicked 1 times" })).toBeVisible();
  await page.getByRole("button", { name: "Reload" }).click();
  await expect(preview.getByRole("button", { name: "Clicked 0 times" })).toBeVisible();
  // The app runs on its own origin: Kiln's cookies and storage are out of its reach.
  const frame = await previewFrame(page);
  const src = await page.locator("iframe[title='App preview']").getAttribute("src");
  expect(await frame.evaluate(() => window.origin)).toBe(new URL(src!).origin);
  expect(await frame.evaluate(() => document.cookie)).not.toContain("kiln_session");
  await shot(page, "sandbox-01-preview");
});

test("terminal: commands run in the sandbox's workspace, and a gone sandbox is replaced on the next Run", async ({
  page,
}) => {
  await signUp(page, "terminal");
  await buildAndRun(page, "Build a click counter page");
  const preview = appPreview(page);
  await expect(preview.getByRole("heading", { name: "Click counter" })).toBeVisible({
    timeout: 60_000,
  });
  await page.getByRole("tab", { name: "terminal" }).click();
  const terminal = page.getByTestId("terminal");
  await expect(terminal).toContainText("/workspace $");
  await terminal.click();
  await page.keyboard.type("mkdir site && cd site && pwd");
  await page.keyboard.press("Enter");
  await expect(terminal).toContainText("/workspace/site $");
  await page.keyboard.type("ls .. && echo done-$((6*7))");
  await page.keyboard.press("Enter");
  await expect(terminal).toContainText("index.html");
  await expect(terminal).toContainText("done-42");
  await shot(page, "sandbox-02-terminal");

  // A sandbox that is gone (deleted here; expired alike) is replaced on the next Run.
  const sbxId = (await terminal.textContent())?.match(/Sandbox (sbx_[a-z0-9]+)/)?.[1];
  expect(sbxId).toBeTruthy();
  const deleted = await page.evaluate(
    (id) => fetch(`/api/sandbox/${id}`, { method: "DELETE" }).then((r) => r.status),
    sbxId,
  );
  expect(deleted).toBe(200);
  await page.getByRole("button", { name: "Run" }).click();
  await expect(preview.getByRole("heading", { name: "Click counter" })).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.locator("iframe[title='App preview']")).not.toHaveAttribute(
    "src",
    new RegExp(sbxId!),
  );
});

test("Node server preview (npm registry): the app is served, and its links work on its own origin", async ({
  page,
}) => {
  // Its dependencies are prepared from the npm registry on first use.
  test.skip(!hasRegistry, registrySkip);
  test.setTimeout(180_000);
  await signUp(page, "express");
  await buildAndRun(page, "Write an express server");
  const preview = appPreview(page);
  await expect(preview.getByRole("heading", { name: "Hello from Express" })).toBeVisible({
    timeout: 150_000,
  });
  await preview.getByRole("link", { name: "About" }).click();
  await expect(preview.getByRole("heading", { name: "About this server" })).toBeVisible();
  await shot(page, "sandbox-03-express");
});

test("Vue (Nuxt) preview (npm registry): the page renders on its own origin and its button counts", async ({
  page,
}) => {
  // The template's dependencies are prepared from the npm registry on its first use.
  test.skip(!hasRegistry, registrySkip);
  test.setTimeout(360_000);
  await signUp(page, "vue");
  await buildAndRun(page, "Build a Vue counter");
  const preview = appPreview(page);
  await expect(preview.getByRole("heading", { name: "Vue counter" })).toBeVisible({
    timeout: 300_000,
  });
  // Only Vue, hydrated by Nuxt's dev server scripts, counts clicks.
  const button = preview.getByRole("button", { name: /^Clicked \d+ times$/ });
  await expect(async () => {
    await button.click();
    await expect(button).not.toHaveText("Clicked 0 times", { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await shot(page, "sandbox-06-vue");
});

test("Python: a script's output and its last value show as output cells", async ({ page }) => {
  await signUp(page, "python");
  await buildAndRun(page, "Print the sum of squares");
  await expect(page.getByTestId("run-stdout")).toHaveText(
    "squares: [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]",
    { timeout: 60_000 },
  );
  await expect(page.getByTestId("run-cell")).toHaveText("385");
  await shot(page, "sandbox-04-python");
});

test("Next.js preview (npm registry): its scripts run, and an edit hot-reloads in place", async ({
  page,
}) => {
  // The template's dependencies are prepared from the npm registry on its first use.
  test.skip(!hasRegistry, registrySkip);
  test.setTimeout(360_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await signUp(page, "next");

  // The Run's answer names its sandbox (the preview's URL no longer does): read on its way.
  let sbxId: string | undefined;
  await page.route("**/api/sandbox", async (route) => {
    const response = await route.fetch({ timeout: 300_000 });
    const body = await response.text();
    sbxId ??= body.match(/"sbxId":"(sbx_[a-z0-9]+)"/)?.[1];
    await route.fulfill({ response, body });
  });
  await buildAndRun(page, "Build a Next.js counter");
  const preview = page.frameLocator("iframe[title='App preview']");
  const heading = preview.getByRole("heading", { name: "Next.js counter" });
  await expect(heading).toBeVisible({ timeout: 240_000 });
  // Tailwind's stylesheet came from the dev server too.
  await expect(heading).toHaveCSS("font-weight", "700");
  // Only React, hydrated by the dev server's scripts, counts clicks.
  const button = preview.getByRole("button", { name: /^Clicked \d+ times$/ });
  await expect(async () => {
    await button.click();
    await expect(button).not.toHaveText("Clicked 0 times", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  const clicks = Number((await button.textContent())?.match(/\d+/)?.[0]);
  await button.click();
  await expect(button).toHaveText(`Clicked ${clicks + 1} times`);
  const src = await page.locator("iframe[title='App preview']").getAttribute("src");
  const frame = await previewFrame(page);
  expect(await frame.evaluate(() => window.origin)).toBe(new URL(src!).origin);
  await shot(page, "sandbox-05-nextjs-1440");

  // The preview's own URL, opened on a phone-sized screen: its own origin, still live.
  const phone = await page.context().newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(src!);
  await expect(phone.getByRole("heading", { name: "Next.js counter" })).toBeVisible();
  const phoneButton = phone.getByRole("button", { name: /^Clicked \d+ times$/ });
  await expect(async () => {
    await phoneButton.click();
    await expect(phoneButton).not.toHaveText("Clicked 0 times", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  expect(await phone.evaluate(() => window.origin)).toBe(new URL(src!).origin);
  await shot(phone, "sandbox-06-nextjs-390");
  await phone.close();

  // Running an edited page in the same sandbox: the dev server keeps running and hot-reloads
  // the open page, which keeps its state (a restarted server would reload it from nothing).
  expect(sbxId).toBeTruthy();
  const ran = await page.evaluate(async (id) => {
    const read = await fetch(`/api/sandbox/${id}/files?path=pages/index.tsx`);
    const { content } = (await read.json()) as { content: string };
    const response = await fetch("/api/sandbox", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        sbxId: id,
        fragment: {
          commentary: "",
          title: "Next.js counter",
          description: "",
          template: "nextjs-developer",
          additional_dependencies: [],
          has_additional_dependencies: false,
          install_dependencies_command: "",
          port: 3000,
          file_path: "pages/index.tsx",
          code: content.replace(">Next.js counter<", ">Next.js counter, edited<"),
        },
      }),
    });
    return { status: response.status, body: await response.json() };
  }, sbxId);
  expect(ran.status, JSON.stringify(ran.body)).toBe(200);
  expect(ran.body.sbxId).toBe(sbxId);
  await expect(preview.getByRole("heading", { name: "Next.js counter, edited" })).toBeVisible({
    timeout: 60_000,
  });
  await expect(button).toHaveText(`Clicked ${clicks + 1} times`);
  await shot(page, "sandbox-07-nextjs-edited");
});
