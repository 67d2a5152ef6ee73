import { expect, test } from "@playwright/test";
import { build, edit, shot, signUp } from "./ide-steps";

test("chat history: a chat survives a reload and opens again from the history", async ({
  page,
}) => {
  await signUp(page, "ide-history");
  await build(page, "Build a click counter page");
  await edit(page);
  const code = page.getByTestId("code-view");

  await page.reload();
  await expect(code).toContainText('<h1 class="hello">');
  await page.goto("/ide");
  const history = page.getByRole("navigation", { name: "Chat history" });
  await history.getByRole("button", { name: "Build a click counter page" }).click();
  await expect(page.getByTestId("fragment-card")).toContainText("Click counter");
  await expect(page.getByText("Made the heading say hello.")).toBeVisible();
  await shot(page, "ide-05-history");
});
