import { expect, test } from "@playwright/test";
import { expectNoSeriousViolations } from "./axe";
import { build, shot, signUp } from "./ide-steps";

// Accessibility: axe-core finds no serious or critical violation on any page, in the dark and
// the light theme, and the IDE works from the keyboard: a skip link to the prompt, tabs on the
// arrow keys, the focus kept on Run while it runs, Esc out of the terminal, and a history whose
// Delete a keyboard and a finger can reach.

for (const colorScheme of ["dark", "light"] as const) {
  test(`every page passes axe in the ${colorScheme} theme`, async ({ page, baseURL }) => {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize({ width: 1440, height: 900 });
    for (const path of ["/login", "/signup"]) {
      await page.goto(path);
      await expectNoSeriousViolations(page, path);
    }
    await signUp(page, `axe-${colorScheme}`);
    await expect(page.getByTestId("chat-examples")).toBeVisible();
    await expectNoSeriousViolations(page, "/ide, empty");
    await shot(page, `a11y-ide-empty-${colorScheme}`);
    await build(page, "Build a multi-file page");
    await expectNoSeriousViolations(page, "/ide, with a fragment");
    await shot(page, `a11y-ide-fragment-${colorScheme}`);
    const chatUrl = page.url();
    const created = await page.request.post("/api/v1/projects", {
      headers: { origin: baseURL ?? "" },
      data: { name: "Contrast check", description: "A project for the accessibility pass." },
    });
    expect(created.status()).toBe(201);
    const project = ((await created.json()) as { data: { id: string } }).data;
    for (const path of [
      "/settings",
      "/projects",
      "/workspace",
      `/projects/${project.id}`,
      "/projects/new",
      "/tasks",
      "/deployments",
      "/no-such-page",
    ]) {
      await page.goto(path);
      await expectNoSeriousViolations(page, path);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/ide");
    await expect(page.getByLabel("Prompt")).toBeVisible();
    await expectNoSeriousViolations(page, "/ide at 390 px");
    await shot(page, `a11y-ide-phone-${colorScheme}`);
    await page.goto(chatUrl);
    await page.getByRole("button", { name: "Code", exact: true }).click();
    // Too narrow for a tree beside the code: the files are a list to choose from.
    await expect(page.getByLabel("File", { exact: true })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Files" })).toBeHidden();
    await expectNoSeriousViolations(page, "/ide at 390 px, code");
    await shot(page, `a11y-ide-phone-code-${colorScheme}`);
  });
}

test("the IDE from the keyboard: skip link, tabs, Run, terminal and history", async ({ page }) => {
  await signUp(page, "keyboard");
  // As a visit starts: the keyboard's first stop is the skip link.
  await page.reload();
  await expect(page.getByLabel("Prompt")).toBeVisible();
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to prompt" });
  await expect(skip).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByLabel("Prompt")).toBeFocused();

  await build(page, "Build a click counter page");
  const codeTab = page.getByRole("tab", { name: "Code" });
  await expect(codeTab).toHaveAttribute("aria-controls", "fragment-code");
  await codeTab.focus();
  await page.keyboard.press("ArrowRight");
  const previewTab = page.getByRole("tab", { name: "Preview" });
  await expect(previewTab).toBeFocused();
  await expect(previewTab).toHaveAttribute("aria-selected", "true");
  await expect(page.locator("#fragment-output")).toBeVisible();
  await page.keyboard.press("End");
  await expect(page.getByRole("tab", { name: "Terminal" })).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await expect(codeTab).toBeFocused();

  // Run from the keyboard: the focus stays on the button while it runs and after.
  const run = page.getByRole("button", { name: /^Run/ });
  await run.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Running…" })).toBeFocused();
  const preview = page.frameLocator("iframe[title='App preview']");
  await expect(preview.getByRole("heading", { name: "Click counter" })).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByRole("button", { name: "Run", exact: true })).toBeFocused();

  // The terminal keeps Tab for itself; Esc gives the focus back.
  await page.getByRole("tab", { name: "Terminal" }).click();
  const terminal = page.getByTestId("terminal");
  await expect(terminal).toContainText("Esc leaves the terminal");
  await terminal.click();
  await page.keyboard.press("Tab");
  await expect(page.locator(".xterm-helper-textarea")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("region", { name: "Terminal" })).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(page.getByRole("tab", { name: "Terminal" })).toBeFocused();

  // Delete in the history, by keyboard.
  const history = page.getByRole("navigation", { name: "Chat history" });
  await history.getByRole("button", { name: /^Build a click counter page/ }).focus();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  const remove = history.getByRole("button", { name: "Delete chat Build a click counter page" });
  await expect(remove).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(history.getByText("Deleted “Build a click counter page”")).toBeVisible();
});

test.describe("on a touch screen", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test("a chat's Delete shows without hover, as large as a finger", async ({ page }) => {
    await signUp(page, "touch");
    await page.getByLabel("Prompt").fill("Build a click counter page");
    await page.getByRole("button", { name: "Build", exact: true }).click();
    await expect(page.getByText("A static page with a click counter.")).toBeVisible({
      timeout: 30_000,
    });
    const history = page.getByRole("navigation", { name: "Chat history" });
    await page.getByRole("button", { name: "History" }).tap();
    await history.getByRole("button", { name: "New chat" }).tap();
    await page.getByRole("button", { name: "History" }).tap();
    const remove = history.getByRole("button", { name: /^Delete chat / });
    await expect(remove).toBeVisible();
    const box = await remove.boundingBox();
    expect(box?.width).toBeGreaterThanOrEqual(44);
    expect(box?.height).toBeGreaterThanOrEqual(44);
    await shot(page, "a11y-touch-history");
    await remove.tap();
    await expect(history.getByText(/^Deleted “/)).toBeVisible();
  });
});

test("templates this server cannot run are disabled with the reason; an example prompt builds", async ({
  page,
}) => {
  await signUp(page, "templates");
  const templates = (await (await page.request.get("/api/templates")).json()) as {
    templates: { id: string; name: string; available: boolean; reason?: string }[];
  };
  for (const template of templates.templates) {
    const option = page.locator(`#template option[value="${template.id}"]`);
    if (template.available) await expect(option).toBeEnabled();
    else {
      await expect(option).toBeDisabled();
      await expect(option).toHaveText(`${template.name} (not available here)`);
      await expect(page.getByTestId(`unavailable-${template.id}`)).toHaveText(template.reason!);
    }
  }
  const example = page
    .getByTestId("chat-examples")
    .getByRole("button", { name: /^A landing page for my bakery/ });
  await example.click();
  await expect(
    page.getByText("A landing page for my bakery", { exact: false }).first(),
  ).toBeVisible();
  await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 30_000 });
  await expect(page.getByTestId("fragment-card")).toContainText("static-html");
  await expect(page.getByLabel("Template")).toHaveValue("static-html");
});
