import { expect, test } from "@playwright/test";
import { expectNoSeriousViolations } from "./axe";
import { build, signUp } from "./ide-steps";
import { apiPost, approvedProject } from "./page-api";
import { desktop, phone, shots } from "./widths";

// The Deployments page: a project's build deployed on this machine, live at its own address
// (opened in the browser), its logs shown live, stopped, restarted and deleted. The fake model
// builds a "website" project as one page in public/index.html (tests/support/fake-run-replies.ts).

test("deploy a build, open it, follow its logs, stop, restart and delete it", async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize(desktop);
  await signUp(page, "deploy");
  const project = await approvedProject(page, { name: "Launch website" });
  const run = await apiPost(page, `/api/v1/projects/${project.id}/runs`);
  const built = async () => {
    const { data } = await (
      await page.request.get(`/api/v1/projects/${project.id}/runs/${run.id}`)
    ).json();
    return `${data.status}${data.error ? `: ${data.error}` : ""}`;
  };
  await expect.poll(built, { timeout: 120_000 }).toBe("succeeded");

  await page.getByRole("link", { name: "Deployments" }).first().click();
  await expect(page.getByText("Nothing is deployed yet.")).toBeVisible();
  await page.getByLabel("Project").selectOption({ label: "Launch website" });
  await page.getByLabel("Name").fill("Launch site");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();

  const deployment = page.getByTestId("deployment");
  await expect(deployment.getByTestId("deployment-status")).toHaveText("live", {
    timeout: 90_000,
  });
  const address = deployment.getByRole("link").first();
  const url = await address.getAttribute("href");
  expect(url).toMatch(/^http/);
  await deployment.getByRole("button", { name: "Logs" }).click();
  await expect(page.getByTestId("logs-state")).toHaveText("Live");
  await expect(page.getByTestId("deployment-logs")).toContainText(/app Serving \d+ bytes/, {
    timeout: 30_000,
  });
  await expectNoSeriousViolations(page, "/deployments, live with its logs open");
  await shots(page, "deployments-01-live");

  // The app, at its own address.
  const app = await page.context().newPage();
  await app.goto(url as string);
  await expect(app.getByRole("heading", { name: "Launch website is live" })).toBeVisible();
  await app.close();

  await deployment.getByRole("button", { name: "Stop" }).click();
  await expect(deployment.getByTestId("deployment-status")).toHaveText("stopped");
  await deployment.getByRole("button", { name: "Restart" }).click();
  await expect(deployment.getByTestId("deployment-status")).toHaveText("live", {
    timeout: 60_000,
  });

  page.once("dialog", (dialog) => void dialog.accept());
  await deployment.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText("Nothing is deployed yet.")).toBeVisible();
  await shots(page, "deployments-02-deleted");
});

test("the IDE's Deploy puts the chat's app live at an address of its own", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize(desktop);
  await signUp(page, "ide-deploy");
  await build(page, "Build a click counter page");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  const line = page.getByTestId("deployment-line");
  await expect(line).toContainText("Live at", { timeout: 90_000 });
  const url = (await line.getByRole("link").first().getAttribute("href")) as string;
  await shots(page, "deployments-03-ide-live");
  // On a phone, the app's card with Run, Deploy and the address keeps to the screen's width.
  await page.setViewportSize(phone);
  await page.getByRole("button", { name: "Code", exact: true }).click();
  await expect(line).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(phone.width);
  await page.screenshot({ path: test.info().outputPath("deployments-04-ide-phone.png") });
  await page.setViewportSize(desktop);

  const app = await page.context().newPage();
  await app.goto(url);
  await expect(app.getByRole("heading", { name: "Click counter" })).toBeVisible();
  await app.close();

  await line.getByRole("link", { name: "Deployments" }).click();
  const deployment = page.getByTestId("deployment");
  await expect(deployment.getByTestId("deployment-status")).toHaveText("live");
  await expect(deployment.getByRole("link").first()).toHaveAttribute("href", url);

  // A workspace folder, deployed from the page.
  const made = await page.request.post("/api/files/batch", {
    headers: { origin: new URL(page.url()).origin },
    data: { files: [{ path: "sites/about/index.html", content: "<h1>About this site</h1>" }] },
  });
  expect(made.status()).toBe(200);
  await page.getByLabel("Deploy", { exact: true }).selectOption("A workspace folder");
  await page.getByLabel("Folder").fill("sites/about");
  await page.getByRole("button", { name: "Deploy", exact: true }).click();
  const about = deployment.filter({ hasText: "sites/about" });
  await expect(about.getByTestId("deployment-status")).toHaveText("live", { timeout: 60_000 });
  const aboutUrl = (await about.getByRole("link").first().getAttribute("href")) as string;
  const site = await page.context().newPage();
  await site.goto(aboutUrl);
  await expect(site.getByRole("heading", { name: "About this site" })).toBeVisible();
  await site.close();
});
