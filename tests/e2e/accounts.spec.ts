import { randomUUID } from "node:crypto";
import { expect, type Page, test } from "@playwright/test";

const password = "correct horse battery";

async function shot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

async function logIn(page: Page, email: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("sign up, log in, create an API key, use it, revoke it, log out", async ({
  page,
  request,
}) => {
  const email = `e2e-${randomUUID()}@example.test`;

  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
  await shot(page, "01-login");
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/ide$/);
  await expect(page.getByTestId("user-email")).toHaveText(email);
  await expect(page.getByText("No chats yet")).toBeVisible();
  await shot(page, "02-ide-empty");

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await logIn(page, email);
  await expect(page).toHaveURL(/\/ide$/);

  await page.getByRole("link", { name: "Settings" }).click();
  await expect(page.getByTestId("account-email")).toHaveText(email);
  await expect(page.getByText("No API keys yet.")).toBeVisible();
  await page.getByLabel("New key name").fill("e2e script");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("new-api-key").textContent())?.trim() ?? "";
  expect(key).toMatch(/^kiln_/);
  await expect(page.getByTestId("api-key-row")).toHaveCount(1);
  await expect(page.getByTestId("api-key-last-used")).toHaveText("Never");
  await shot(page, "03-key-created");

  const me = await request.get("/api/auth/me", { headers: { authorization: `Bearer ${key}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).user.email).toBe(email);

  await page.reload();
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  await expect(page.getByTestId("api-key-last-used")).not.toHaveText("Never");
  await page.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("button", { name: "Confirm revoke" }).click();
  await expect(page.getByText("No API keys yet.")).toBeVisible();
  await shot(page, "04-key-revoked");

  const after = await request.get("/api/auth/me", { headers: { authorization: `Bearer ${key}` } });
  expect(after.status()).toBe(401);

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
});

test("a wrong password is refused, and signing in returns to the page asked for", async ({
  page,
  browser,
}) => {
  const email = `e2e-${randomUUID()}@example.test`;
  const signup = await browser.newPage();
  await signup.goto("/signup");
  await signup.getByLabel("Email").fill(email);
  await signup.getByLabel("Password").fill(password);
  await signup.getByRole("button", { name: "Create account" }).click();
  await expect(signup).toHaveURL(/\/ide$/);
  await signup.close();

  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Invalid" })).toHaveText(
    "Invalid email or password",
  );
  await shot(page, "05-wrong-password");

  await logIn(page, email);
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByTestId("account-email")).toHaveText(email);
});

test("an invalid session cookie ends at the login page", async ({ page, context, baseURL }) => {
  await context.addCookies([{ name: "kiln_session", value: "forged", url: baseURL! }]);
  await page.goto("/settings");
  await expect(page).toHaveURL(/\/login$/);
});
