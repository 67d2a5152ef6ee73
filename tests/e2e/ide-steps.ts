import { randomUUID } from "node:crypto";
import { expect, type Page, test } from "@playwright/test";

// Steps the IDE tests share. They run against the fake model server Playwright starts
// (tests/support/fake-openai-server.ts), which writes a small static page slowly enough to
// watch it arrive.

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

/** A new account, signed in, on the empty IDE. */
export async function signUp(page: Page, prefix: string) {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(`${prefix}-${randomUUID()}@example.test`);
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/ide/);
}

/** Asks for a fragment and waits until the model has finished writing it. */
export async function build(page: Page, prompt: string) {
  await page.getByLabel("Prompt").fill(prompt);
  await page.getByRole("button", { name: "Build", exact: true }).click();
  await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 30_000 });
  await expect(page.getByTestId("fragment-card")).toBeVisible();
}

/** Edits the current fragment by chatting, and waits for the model's answer. */
export async function edit(page: Page) {
  await page.getByLabel("Prompt").fill("Make the heading say hello");
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  await expect(page.getByText("Made the heading say hello.")).toBeVisible({ timeout: 30_000 });
}
