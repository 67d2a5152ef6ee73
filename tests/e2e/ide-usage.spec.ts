import { expect, test } from "@playwright/test";
import { build, edit, shot, signUp } from "./ide-steps";

test("usage: every model call, the build's and the edit's, shows in Settings", async ({ page }) => {
  await signUp(page, "ide-usage");
  await build(page, "Build a click counter page");
  await edit(page);

  await page.goto("/settings");
  const usage = page.getByTestId("usage-row");
  await expect(usage.filter({ hasText: "fake-builder" }).filter({ hasText: "chat" })).toHaveCount(
    1,
  );
  await expect(usage.filter({ hasText: "morph" })).toHaveCount(1);
  await shot(page, "ide-06-usage");
});
