import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";

// Vercel and Netlify tokens in Settings: saved, shown afterwards only as a hint (with Vercel's
// team), kept across a reload, and removed; the token itself is never on the page again.

test("save a Vercel token with a team and a Netlify token, then remove one", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(`e2e-${randomUUID()}@example.test`);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/ide$/);
  await page.goto("/settings");

  const vercel = page.getByTestId("deploy-provider-vercel");
  const netlify = page.getByTestId("deploy-provider-netlify");
  await expect(vercel).toContainText("Vercel not connected");
  await expect(netlify).toContainText("Netlify not connected");

  const vercelToken = `vtok_${randomUUID().replaceAll("-", "")}`;
  await vercel.getByLabel("Vercel token").fill(vercelToken);
  await vercel.getByLabel("Team id (optional)").fill("team_e2e123");
  await vercel.getByRole("button", { name: "Save" }).click();
  await expect(vercel.getByRole("status")).toHaveText("Vercel token saved.");
  await expect(vercel).toContainText(`token vtok_…${vercelToken.slice(-4)} · team team_e2e123`);

  await netlify.getByLabel("Netlify token").fill("two words");
  await netlify.getByRole("button", { name: "Save" }).click();
  await expect(netlify.getByRole("alert")).toContainText("printable ASCII without spaces");
  await netlify.getByLabel("Netlify token").fill("nfp_e2eNetlifyToken0123456789");
  await netlify.getByRole("button", { name: "Save" }).click();
  await expect(netlify).toContainText("token nfp_…6789");
  await expect(page.getByText(vercelToken)).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath("deploy-providers.png"), fullPage: true });

  await page.reload();
  await expect(vercel).toContainText("team team_e2e123");
  await vercel.getByRole("button", { name: "Remove token" }).click();
  await expect(vercel).toContainText("Vercel not connected");
  await expect(netlify).toContainText("token nfp_…6789");
});
