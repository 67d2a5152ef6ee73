import { expect, type Page, test } from "@playwright/test";
import { edit, shot, signUp } from "./ide-steps";

// The IDE's main path at a desktop and a phone width, as a first-time user walks it: a prompt,
// the code streaming in while the model writes, the fragment running by itself, its preview
// working, an edit by chat, and the edited fragment running by itself again. Screenshots of
// every step are kept with the test's results.

const viewports = [
  { name: "1440", size: { width: 1440, height: 900 }, phone: false },
  { name: "390", size: { width: 390, height: 844 }, phone: true },
] as const;

const preview = (page: Page) => page.frameLocator("iframe[title='App preview']");

for (const viewport of viewports) {
  test.describe(`at ${viewport.name} px`, () => {
    test.use(
      viewport.phone
        ? { viewport: viewport.size, isMobile: true, hasTouch: true }
        : { viewport: viewport.size },
    );

    /** Shows a pane: tabs on a desktop, the Chat / Code / Preview switch on a phone. */
    const show = async (page: Page, pane: "chat" | "code" | "preview") => {
      if (viewport.phone) {
        await page.getByRole("button", { name: pane[0]!.toUpperCase() + pane.slice(1) }).click();
      } else if (pane !== "chat") {
        await page.getByRole("tab", { name: pane }).click();
      }
    };

    test("prompt → streamed code → run by itself → preview → edit → run by itself again", async ({
      page,
    }) => {
      test.setTimeout(120_000);
      const step = (name: string) => shot(page, `main-path-${viewport.name}-${name}`);
      await signUp(page, `main-path-${viewport.name}`);
      await page.getByLabel("Prompt").fill("Build a click counter page");
      await page.getByRole("button", { name: "Build", exact: true }).click();
      if (viewport.phone) await show(page, "code");

      // The code shows while the model is still writing it, not only once it has finished.
      await page.waitForFunction(
        () =>
          (document.querySelector("[data-testid='code-view'] .cm-content")?.textContent ?? "")
            .length > 0 &&
          [...document.querySelectorAll("[role='status']")].some(
            (el) => el.textContent === "Writing…",
          ),
        undefined,
        { timeout: 20_000 },
      );
      await step("1-streaming");
      await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 30_000 });
      await expect(page.getByTestId("code-view")).toContainText("Click counter");

      // It runs by itself; nobody pressed Run.
      await show(page, "preview");
      const app = preview(page);
      await expect(app.getByRole("heading", { name: "Click counter" })).toBeVisible({
        timeout: 60_000,
      });
      const button = app.getByRole("button", { name: /^Clicked \d+ times$/ });
      await expect(async () => {
        await button.click();
        await expect(button).not.toHaveText("Clicked 0 times", { timeout: 1_000 });
      }).toPass({ timeout: 15_000 });
      await step("2-preview");

      // An edit by chat runs by itself in the same preview.
      await show(page, "chat");
      await edit(page);
      await step("3-edited-chat");
      await show(page, "preview");
      await expect(app.locator("h1.hello")).toHaveText("Click counter", { timeout: 60_000 });
      await expect(page.getByTestId("run-outdated")).toBeHidden();
      await step("4-edited-preview");
      // Only the panes scroll: the page never grows past the screen.
      const size = await page.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        height: document.documentElement.scrollHeight,
      }));
      expect(size).toEqual(viewport.size);
    });
  });
}
