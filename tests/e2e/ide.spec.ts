import { randomUUID } from "node:crypto";
import { expect, type Page, test } from "@playwright/test";

// The IDE against the fake model server Playwright starts (tests/support/fake-openai-server.ts),
// which writes a small static page slowly enough to watch it arrive.

async function shot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

test("type a prompt, watch the fragment stream in, see highlighted code, find the chat after a reload", async ({
  page,
}) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(`ide-${randomUUID()}@example.test`);
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/ide/);
  await expect(page.getByLabel("Model")).toContainText("fake-builder");
  await shot(page, "ide-01-empty");

  // Record every length the code view's text passes through while the model writes.
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { codeLengths: number[] }).codeLengths = seen;
    new MutationObserver(() => {
      const text = document.querySelector("[data-testid=code-view] .cm-content")?.textContent ?? "";
      if (text.length !== seen.at(-1)) seen.push(text.length);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });

  await page.getByLabel("Prompt").fill("Build a click counter page");
  await page.getByRole("button", { name: "Build" }).click();
  await expect(page.getByText("Writing…", { exact: true })).toBeVisible();
  await shot(page, "ide-02-streaming");
  await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 20_000 });

  const card = page.getByTestId("fragment-card");
  await expect(card).toContainText("Click counter");
  await expect(card).toContainText("static-html");
  const code = page.getByTestId("code-view");
  await expect(code).toContainText("</html>");
  const lengths = await page.evaluate(
    () => (window as unknown as { codeLengths: number[] }).codeLengths,
  );
  expect(lengths.length).toBeGreaterThanOrEqual(3);
  expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
  // Highlighted: the editor wraps tokens in styled spans.
  expect(await code.locator(".cm-line span").count()).toBeGreaterThan(10);
  await expect(page.getByRole("tab", { name: "index.html" })).toHaveAttribute(
    "aria-selected",
    "true",
  );
  await shot(page, "ide-03-done");

  // Edit it by chatting.
  await page.getByLabel("Prompt").fill("Make the heading say hello");
  await page.getByRole("button", { name: "Edit" }).click();
  await expect(page.getByText("Made the heading say hello.")).toBeVisible();
  await expect(code).toContainText('<h1 class="hello">');
  await shot(page, "ide-04-edited");

  await page.reload();
  await expect(code).toContainText('<h1 class="hello">');
  await page.goto("/ide");
  const history = page.getByRole("navigation", { name: "Chat history" });
  await history.getByRole("button", { name: "Build a click counter page" }).click();
  await expect(page.getByTestId("fragment-card")).toContainText("Click counter");
  await expect(page.getByText("Made the heading say hello.")).toBeVisible();
  await shot(page, "ide-05-history");

  // Every model call shows in Settings → Usage.
  await page.goto("/settings");
  const usage = page.getByTestId("usage-row");
  await expect(usage.filter({ hasText: "fake-builder" }).filter({ hasText: "chat" })).toHaveCount(
    1,
  );
  await expect(usage.filter({ hasText: "morph" })).toHaveCount(1);
  await shot(page, "ide-06-usage");
});
