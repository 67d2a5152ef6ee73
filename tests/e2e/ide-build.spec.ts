import { expect, test } from "@playwright/test";
import { shot, signUp } from "./ide-steps";

test("building: a prompt's fragment streams in, its code grows and is highlighted", async ({
  page,
}) => {
  await signUp(page, "ide-build");
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
  await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 30_000 });

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
  await expect(page.getByRole("textbox", { name: "Code of index.html" })).toBeVisible();
  await shot(page, "ide-03-done");
});
