import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { e2eGithubLogin, e2eGithubToken } from "../support/fake-github-accounts";

// Connecting GitHub in Settings, against the fake GitHub: a token GitHub refuses is not kept,
// a good one shows the account and a hint of the token, Test connection asks GitHub, and
// Disconnect forgets it.

test("connect GitHub with a token, test it, disconnect", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(`e2e-${randomUUID()}@example.test`);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/ide$/);
  await page.goto("/settings");

  const status = page.getByTestId("github-status");
  await expect(status).toHaveText("Not connected.");
  const token = page.getByLabel("Personal access token");
  await token.fill("ghp_wrongToken000000000000000000");
  await page.getByRole("button", { name: "Connect" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "GitHub" })).toContainText(
    "GitHub refused the token",
  );
  await expect(status).toHaveText("Not connected.");

  await token.fill(e2eGithubToken);
  await page.getByRole("button", { name: "Connect" }).click();
  await expect(status).toContainText(`Connected as ${e2eGithubLogin}`);
  await expect(status).toContainText(`ghp_…${e2eGithubToken.slice(-4)}`);
  await expect(page.getByText(e2eGithubToken)).toHaveCount(0);
  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByRole("status").filter({ hasText: "GitHub answers" })).toHaveText(
    `GitHub answers: signed in as ${e2eGithubLogin}.`,
  );
  await page.screenshot({ path: test.info().outputPath("github-connected.png"), fullPage: true });

  await page.reload();
  await expect(status).toContainText(`Connected as ${e2eGithubLogin}`);
  await page.getByRole("button", { name: "Disconnect" }).click();
  await expect(status).toHaveText("Not connected.");
});
