import { expect, test } from "@playwright/test";
import { npmRegistry, npmRegistryReachable } from "../support/npm-registry";
import { build, shot, signUp } from "./ide-steps";

// Each web template rendered in Chromium with a button that works. The static, Next.js and Vue
// (Nuxt) templates are walked in sandbox.spec.ts, and Streamlit and Gradio, which this server
// cannot run without their Python packages, are shown disabled with the reason in a11y.spec.ts.
// Here: an Express app whose page calls its own server's API, which must stay on the preview's
// origin rather than reach Kiln's.

const hasRegistry = await npmRegistryReachable();

test("Node server preview (npm registry): a button asks the app's own API, and its text changes", async ({
  page,
}) => {
  // The template's dependencies are prepared from the npm registry on its first use.
  test.skip(!hasRegistry, `needs the npm registry (${npmRegistry} did not answer)`);
  test.setTimeout(180_000);
  await signUp(page, "express-counter");
  await build(page, "Write an express counter");
  await page.getByRole("tab", { name: "preview" }).click();
  const app = page.frameLocator("iframe[title='App preview']");
  await expect(app.getByRole("heading", { name: "Express counter" })).toBeVisible({
    timeout: 150_000,
  });
  const button = app.getByRole("button", { name: /^Counted \d+ on the server$/ });
  // The page's script may run after the button shows: click until it answers.
  await expect(async () => {
    await button.click();
    await expect(button).not.toHaveText("Counted 0 on the server", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  const counted = Number((await button.textContent())?.match(/\d+/)?.[0]);
  await button.click();
  await expect(button).toHaveText(`Counted ${counted + 1} on the server`);
  await shot(page, "templates-express-counter");
});
