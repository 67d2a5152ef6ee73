import { randomUUID } from "node:crypto";
import { expect, type Page, test } from "@playwright/test";

// Running what the model wrote: a static page comes up as a live preview that cannot act as the
// signed-in user, a Python script shows its output cells, and the terminal runs in the sandbox.

async function shot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

/** The preview's frame, once its document (scripts included) has loaded. */
async function previewFrame(page: Page) {
  const current = () =>
    page.frames().findLast((f) => f.url().includes("/preview/") && !f.isDetached());
  await expect.poll(() => Boolean(current())).toBe(true);
  const frame = current()!;
  await frame.waitForLoadState("load");
  return frame;
}

async function build(page: Page, prompt: string) {
  await page.getByLabel("Prompt").fill(prompt);
  await page.getByRole("button", { name: "Build", exact: true }).click();
  await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 20_000 });
  await expect(page.getByRole("button", { name: "Run" })).toBeEnabled();
}

test("Run shows a live preview, output cells, and a terminal in the sandbox", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(`run-${randomUUID()}@example.test`);
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/ide/);

  await build(page, "Build a click counter page");
  await page.getByRole("button", { name: "Run" }).click();
  const preview = page.frameLocator("iframe[title='App preview']");
  await expect(preview.getByRole("heading", { name: "Click counter" })).toBeVisible({
    timeout: 15_000,
  });
  // The page arrives streamed through the proxy: its script may run after the button shows.
  await previewFrame(page);
  await preview.getByRole("button", { name: "Clicked 0 times" }).click();
  await expect(preview.getByRole("button", { name: "Clicked 1 times" })).toBeVisible();
  await page.getByRole("button", { name: "Reload" }).click();
  await expect(preview.getByRole("button", { name: "Clicked 0 times" })).toBeVisible();
  // The app runs with an opaque origin: Kiln's cookies and storage are out of its reach.
  const frame = await previewFrame(page);
  expect(await frame.evaluate(() => window.origin)).toBe("null");
  expect(
    await frame.evaluate(() => {
      try {
        return document.cookie;
      } catch (error) {
        return (error as Error).name;
      }
    }),
  ).toBe("SecurityError");
  await shot(page, "sandbox-01-preview");

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
    timeout: 15_000,
  });
  await expect(page.locator("iframe[title='App preview']")).not.toHaveAttribute(
    "src",
    new RegExp(sbxId!),
  );

  // A Node server: its dependencies are prepared on first use, then it is previewed through Kiln
  // and its links work under the preview's path.
  await page.getByRole("button", { name: "New chat" }).click();
  await build(page, "Write an express server");
  await page.getByRole("button", { name: "Run" }).click();
  await expect(preview.getByRole("heading", { name: "Hello from Express" })).toBeVisible({
    timeout: 60_000,
  });
  await preview.getByRole("link", { name: "About" }).click();
  await expect(preview.getByRole("heading", { name: "About this server" })).toBeVisible();
  await shot(page, "sandbox-03-express");

  await page.getByRole("button", { name: "New chat" }).click();
  await build(page, "Print the sum of squares");
  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByTestId("run-stdout")).toHaveText(
    "squares: [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]",
  );
  await expect(page.getByTestId("run-cell")).toHaveText("385");
  await shot(page, "sandbox-04-python");
});

test("A Next.js app shows in the preview, its scripts run, and an edit hot-reloads in place", async ({
  page,
}) => {
  // The template's dependencies are prepared from the npm registry on its first use.
  test.setTimeout(360_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/signup");
  await page.getByLabel("Email").fill(`next-${randomUUID()}@example.test`);
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/ide/);

  await build(page, "Build a Next.js counter");
  await page.getByRole("button", { name: "Run" }).click();
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
  const frame = await previewFrame(page);
  expect(await frame.evaluate(() => window.origin)).toBe("null");
  await shot(page, "sandbox-05-nextjs-1440");

  // The preview's own URL, opened on a phone-sized screen: still an opaque origin, still live.
  const src = await page.locator("iframe[title='App preview']").getAttribute("src");
  const phone = await page.context().newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(src!);
  await expect(phone.getByRole("heading", { name: "Next.js counter" })).toBeVisible();
  const phoneButton = phone.getByRole("button", { name: /^Clicked \d+ times$/ });
  await expect(async () => {
    await phoneButton.click();
    await expect(phoneButton).not.toHaveText("Clicked 0 times", { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  expect(await phone.evaluate(() => window.origin)).toBe("null");
  await shot(phone, "sandbox-06-nextjs-390");
  await phone.close();

  // Running an edited page in the same sandbox: the dev server keeps running and hot-reloads
  // the open page, which keeps its state (a restarted server would reload it from nothing).
  const sbxId = src?.match(/\/api\/sandbox\/(sbx_[a-z0-9]+)\//)?.[1];
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
    timeout: 10_000,
  });
  await expect(button).toHaveText(`Clicked ${clicks + 1} times`);
  await shot(page, "sandbox-07-nextjs-edited");
});
