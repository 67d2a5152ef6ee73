import { expect, type Page, test } from "@playwright/test";
import { build, edit, shot, signUp } from "./ide-steps";

// Sandboxes belong to chats: a fragment runs by itself when it is written, a chat finds its
// sandbox, output and terminal again after a reload, New chat stops the sandbox of the chat
// left, and the Sandboxes list stops any of them. What is busy follows the chat on show.

interface Listed {
  sbxId: string;
  chatId: string | null;
}
const listSandboxes = (page: Page) =>
  page.evaluate(() =>
    fetch("/api/sandbox")
      .then((r) => r.json())
      .then((body: { sandboxes: Listed[] }) => body.sandboxes),
  );
const history = (page: Page) => page.getByRole("navigation", { name: "Chat history" });
const preview = (page: Page) => page.frameLocator("iframe[title='App preview']");

test.use({ viewport: { width: 1440, height: 900 } });

test("a chat keeps its sandbox, output and terminal across a reload; New chat and Stop end sandboxes", async ({
  page,
}) => {
  await signUp(page, "chat-sandbox");
  await build(page, "Print the sum of squares");
  // Run when ready: nobody pressed Run.
  await page.getByRole("tab", { name: "output" }).click();
  await expect(page.getByTestId("run-cell")).toHaveText("385", { timeout: 60_000 });
  const [kept] = await listSandboxes(page);
  expect(kept?.chatId).toMatch(/^chat_/);

  await page.getByRole("tab", { name: "terminal" }).click();
  const terminal = page.getByTestId("terminal");
  await expect(terminal).toContainText("/workspace $");
  await terminal.click();
  await page.keyboard.type("echo kept-$((6*7))");
  await page.keyboard.press("Enter");
  await expect(terminal).toContainText("kept-42");

  await page.reload();
  await page.getByRole("tab", { name: "output" }).click();
  await expect(page.getByTestId("run-cell")).toHaveText("385");
  await expect(page.getByTestId("run-outdated")).toBeHidden();
  await page.getByRole("tab", { name: "terminal" }).click();
  await expect(terminal).toContainText("kept-42");
  expect((await listSandboxes(page)).map((s) => s.sbxId)).toEqual([kept?.sbxId]);
  await shot(page, "chat-sandbox-01-reloaded");

  // New chat: the chat left is done with, and its sandbox stops.
  await history(page).getByRole("button", { name: "New chat" }).click();
  await expect.poll(() => listSandboxes(page)).toEqual([]);
  await build(page, "Build a click counter page");
  await page.getByRole("tab", { name: "preview" }).click();
  await expect(preview(page).getByRole("heading", { name: "Click counter" })).toBeVisible({
    timeout: 60_000,
  });

  // The first chat shows its last output, and says its sandbox stopped.
  await history(page)
    .getByRole("button", { name: /^Print the sum of squares/ })
    .click();
  await page.getByRole("tab", { name: "output" }).click();
  await expect(page.getByTestId("run-cell")).toHaveText("385");
  await expect(page.getByTestId("run-outdated")).toContainText("sandbox has stopped");

  // The Sandboxes list shows the one running, with its chat, and stops it.
  await page.getByText(/^Sandboxes/).click();
  const running = page.getByRole("list", { name: "Running sandboxes" });
  await expect(running.getByRole("listitem")).toHaveCount(1);
  await expect(running).toContainText("Build a click counter page");
  await shot(page, "chat-sandbox-02-list");
  await running.getByRole("button", { name: /^Stop sandbox/ }).click();
  await expect(running.getByRole("listitem")).toHaveCount(0);
  await expect(page.getByText("None running")).toBeVisible();
  expect(await listSandboxes(page)).toEqual([]);
});

test("busy state, Stop and template follow the chat on show", async ({ page }) => {
  await signUp(page, "chat-state");
  await build(page, "Print the sum of squares");
  await history(page).getByRole("button", { name: "New chat" }).click();
  await page.getByLabel("Template").selectOption("static-html");
  await page.getByLabel("Prompt").fill("Build a click counter page");
  await page.getByRole("button", { name: "Build", exact: true }).click();
  await expect(page.getByText("Writing…", { exact: true })).toBeVisible();

  // The first chat, opened while the second is written: its own state, not the other's.
  await history(page)
    .getByRole("button", { name: /^Print the sum of squares/ })
    .click();
  await expect(page.getByTestId("fragment-card")).toContainText("Sum of squares");
  await expect(page.getByText("Writing…", { exact: true })).toBeHidden();
  await expect(page.getByRole("button", { name: "Stop", exact: true })).toBeHidden();
  await expect(page.getByLabel("Template")).toHaveValue("auto");
  await shot(page, "chat-state-01-other-chat");

  // Back to the second: it went on meanwhile, and finished.
  await history(page)
    .getByRole("button", { name: /^Build a click counter page/ })
    .click();
  await expect(page.getByLabel("Template")).toHaveValue("static-html");
  await expect(page.getByTestId("fragment-card")).toContainText("Click counter", {
    timeout: 30_000,
  });
  await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 30_000 });
});

test("auto-run off: an edit marks the output out of date and highlights the changed lines", async ({
  page,
}) => {
  await signUp(page, "auto-run");
  // Turned off while the fragment is written: it does not run when it is done.
  await page.getByLabel("Prompt").fill("Build a click counter page");
  await page.getByRole("button", { name: "Build", exact: true }).click();
  await expect(page.getByText("Writing…", { exact: true })).toBeVisible();
  await page.getByRole("checkbox", { name: "Auto-run" }).uncheck();
  await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 30_000 });
  await page.getByRole("tab", { name: "preview" }).click();
  await expect(page.getByText("Press Run to start the app in a sandbox.")).toBeVisible();
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await expect(preview(page).getByRole("heading", { name: "Click counter" })).toBeVisible({
    timeout: 60_000,
  });

  await edit(page);
  await expect(page.getByTestId("run-outdated")).toContainText("Out of date");
  await page.getByRole("tab", { name: "code" }).click();
  const code = page.getByTestId("code-view");
  await expect(code).toHaveAttribute("data-changed-lines", /^\d+$/);
  await expect(code.locator(".cm-changed-line")).toHaveCount(1);
  await expect(code.locator(".cm-changed-line")).toContainText('<h1 class="hello">');
  await shot(page, "auto-run-01-edited");

  // The setting is remembered.
  await page.reload();
  await expect(page.getByRole("checkbox", { name: "Auto-run" })).not.toBeChecked();
});

test("an edit runs by itself, in the chat's sandbox", async ({ page }) => {
  await signUp(page, "edit-runs");
  await build(page, "Build a click counter page");
  await page.getByRole("tab", { name: "preview" }).click();
  await expect(preview(page).getByRole("heading", { name: "Click counter" })).toBeVisible({
    timeout: 60_000,
  });
  const [before] = await listSandboxes(page);
  await edit(page);
  await expect(preview(page).locator("h1.hello")).toHaveText("Click counter", {
    timeout: 60_000,
  });
  await expect(page.getByTestId("run-outdated")).toBeHidden();
  expect((await listSandboxes(page)).map((s) => s.sbxId)).toEqual([before?.sbxId]);
});

test("a fragment stopped half-written cannot run, and says why", async ({ page }) => {
  await signUp(page, "half-written");
  await page.getByLabel("Prompt").fill("Build a click counter page, slowly");
  await page.getByRole("button", { name: "Build", exact: true }).click();
  await expect(page.getByTestId("code-view")).toContainText("<title>");
  await page.getByRole("button", { name: "Stop", exact: true }).click();
  await expect(
    page.getByText("This version can’t run: it was stopped half-written."),
  ).toBeVisible();
  await expect(page.getByRole("button", { name: "Run", exact: true })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Run last valid version" })).toBeHidden();
  await shot(page, "half-written-01");
});

test("at the sandbox limit, the message offers to stop the oldest, which runs the fragment", async ({
  page,
}) => {
  await signUp(page, "limit");
  const fragment = {
    commentary: "",
    template: "code-interpreter-v1",
    title: "One",
    description: "",
    additional_dependencies: [],
    has_additional_dependencies: false,
    install_dependencies_command: "",
    port: null,
    file_path: "script.py",
    code: "1",
  };
  const statuses = await page.evaluate(async (body) => {
    const made: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch("/api/sandbox", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ fragment: body }),
      });
      made.push(response.status);
    }
    return made;
  }, fragment);
  expect(statuses).toEqual([200, 200, 200, 200, 200]);
  const oldest = (await listSandboxes(page))[0]?.sbxId;

  await build(page, "Print the sum of squares");
  await page.getByRole("tab", { name: "output" }).click();
  const problem = page.getByRole("region", { name: "Fragment" }).getByRole("alert");
  await expect(problem).toContainText("5 running sandboxes", { timeout: 30_000 });
  await shot(page, "limit-01-offer");
  await page.getByRole("button", { name: "Stop the oldest" }).click();
  await expect(page.getByTestId("run-cell")).toHaveText("385", { timeout: 60_000 });
  const after = await listSandboxes(page);
  expect(after).toHaveLength(5);
  expect(after.map((s) => s.sbxId)).not.toContain(oldest);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test("Run, Auto-run and the Sandboxes list fit the screen", async ({ page }) => {
    await signUp(page, "phone-sandboxes");
    await page.getByLabel("Prompt").fill("Print the sum of squares");
    await page.getByRole("button", { name: "Build", exact: true }).click();
    await page.getByRole("button", { name: "Code" }).click();
    await expect(page.getByText("Writing…", { exact: true })).toBeHidden({ timeout: 30_000 });
    await expect(page.getByRole("checkbox", { name: "Auto-run" })).toBeInViewport();
    await page.getByRole("tab", { name: "output" }).click();
    await expect(page.getByTestId("run-cell")).toHaveText("385", { timeout: 60_000 });
    await expect(page.getByRole("button", { name: "Run", exact: true })).toBeInViewport();
    await shot(page, "phone-sandboxes-01-output");

    await page.getByRole("button", { name: "History" }).click();
    await page.getByText(/^Sandboxes/).click();
    const running = page.getByRole("list", { name: "Running sandboxes" });
    await expect(running.getByRole("listitem")).toHaveCount(1);
    await expect(running.getByRole("button", { name: /^Stop sandbox/ })).toBeInViewport();
    await shot(page, "phone-sandboxes-02-list");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(390);
  });
});
