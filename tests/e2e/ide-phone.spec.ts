import { randomUUID } from "node:crypto";
import { expect, type Page, test } from "@playwright/test";

// The IDE on a phone: one pane at a time behind a Chat / Code / Preview switch, the history in
// a drawer, the main navigation in a menu, and a page that never grows wider or taller than
// the screen.

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

async function shot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`) });
}

async function pageSize(page: Page) {
  return page.evaluate(() => ({
    width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
  }));
}

test("on a phone, one pane shows at a time and a tall output leaves the prompt on screen", async ({
  page,
}) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(`phone-${randomUUID()}@example.test`);
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/ide/);
  await expect(page.getByLabel("Model")).toContainText("fake-builder");
  expect(await pageSize(page)).toEqual({ width: 390, height: 844 });
  await expect(page.getByText("The app the model writes appears here")).toBeHidden();
  await shot(page, "phone-01-chat");

  // The main navigation lives in a menu.
  await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
  await page.getByRole("button", { name: "Menu" }).click();
  const main = page.getByRole("navigation", { name: "Main" });
  await expect(main.getByRole("link", { name: "Settings" })).toBeVisible();
  // Only the areas that work are listed.
  await expect(main.getByRole("link")).toHaveText([
    "IDE",
    "Projects",
    "Workspace",
    "Deployments",
    "Settings",
  ]);
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(main).toBeHidden();

  // A Python script whose output is far taller than the screen.
  await page.getByLabel("Prompt").fill("Print a long listing");
  await page.getByRole("button", { name: "Build", exact: true }).click();
  await page.getByRole("button", { name: "Code" }).click();
  await expect(page.getByLabel("Prompt")).toBeHidden();
  await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 20_000 });
  await expect(page.getByTestId("code-view")).toContainText("range(1, 201)");
  await shot(page, "phone-02-code");

  await page.getByRole("button", { name: "Run" }).click();
  await expect(page.getByRole("button", { name: "Preview" })).toHaveAttribute(
    "aria-pressed",
    "true",
  );
  await expect(page.getByTestId("run-stdout")).toContainText("line 200", { timeout: 15_000 });
  await shot(page, "phone-03-output");

  await page.getByRole("button", { name: "Chat" }).click();
  await expect(page.getByText("A script that prints a long listing.")).toBeVisible();
  await expect(page.getByLabel("Prompt")).toBeInViewport({ ratio: 1 });
  expect(await pageSize(page)).toEqual({ width: 390, height: 844 });

  // The history opens as a drawer and closes once a chat is chosen.
  await page.getByRole("button", { name: "History" }).click();
  const history = page.getByRole("navigation", { name: "Chat history" });
  await expect(history).toBeInViewport();
  await shot(page, "phone-04-history");
  await history.getByRole("button", { name: /^Print a long listing/ }).click();
  await expect(history).toBeHidden();
  await page.getByRole("button", { name: "History" }).click();
  await history.getByRole("button", { name: "New chat" }).click();
  await expect(history).toBeHidden();
  await expect(page.getByText("A script that prints a long listing.")).toBeHidden();
});
