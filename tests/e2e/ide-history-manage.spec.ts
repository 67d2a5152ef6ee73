import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";

// The chat history: a new chat is listed while it is written, and can be renamed, searched for,
// and deleted with a moment to undo it; a link to a chat that is gone says so.

test("history: listed at once, renamed, searched, deleted with undo", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(`history-${randomUUID()}@example.test`);
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/ide/);
  const history = page.getByRole("navigation", { name: "Chat history" });

  await page.getByLabel("Prompt").fill("Build a click counter page");
  await page.getByRole("button", { name: "Build", exact: true }).click();
  await expect(page.getByText("Writing…", { exact: true })).toBeVisible();
  const first = history.getByRole("button", { name: /^Build a click counter page/ });
  await expect(first).toBeVisible();
  await expect(first).toHaveAttribute("title", "Build a click counter page");
  await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 20_000 });

  await history.getByRole("button", { name: "Rename chat Build a click counter page" }).click();
  await history.getByLabel("New title").fill("  Bakery   landing page ");
  await history.getByLabel("New title").press("Enter");
  await expect(history.getByRole("button", { name: /^Bakery landing page/ })).toBeVisible();

  await history.getByRole("button", { name: "New chat" }).click();
  await page.getByLabel("Prompt").fill("Compute the sum of squares");
  await page.getByRole("button", { name: "Build", exact: true }).click();
  await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 20_000 });

  await history.getByLabel("Search chats").fill("bakery");
  await expect(history.getByRole("button", { name: /^Bakery landing page/ })).toBeVisible();
  await expect(history.getByRole("button", { name: /^Compute the sum/ })).toBeHidden();
  await history.getByLabel("Search chats").fill("");

  // Deleted, then undone: the chat is still there after a reload.
  await history.getByRole("button", { name: "Delete chat Compute the sum of squares" }).click();
  await expect(history.getByRole("button", { name: /^Compute the sum/ })).toBeHidden();
  await expect(page.getByText("A short script.")).toBeHidden();
  await history.getByRole("button", { name: "Undo" }).click();
  await expect(history.getByRole("button", { name: /^Compute the sum/ })).toBeVisible();

  // Deleted for good once the Undo runs out.
  await history.getByRole("button", { name: /^Compute the sum/ }).click();
  await expect(page).toHaveURL(/[?&]chat=chat_/);
  const chatId = new URL(page.url()).searchParams.get("chat");
  await history.getByRole("button", { name: "Delete chat Compute the sum of squares" }).click();
  await expect
    .poll(async () => (await page.request.get(`/api/chats/${chatId}`)).status(), {
      timeout: 15_000,
    })
    .toBe(404);
  await page.reload();
  await expect(history.getByRole("button", { name: /^Bakery landing page/ })).toBeVisible();
  await expect(history.getByRole("button", { name: /^Compute the sum/ })).toHaveCount(0);

  await page.goto(`/ide?chat=${chatId}`);
  await expect(page.getByRole("alert").filter({ hasText: "does not exist" })).toBeVisible();
});
