import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { expect, type Page, test } from "@playwright/test";
import { e2eGithubLogin, e2eGithubToken } from "../support/fake-github-accounts";

// The workspace page: create a file, edit and save it, find it again after a reload, a save
// against a file changed elsewhere refused with a message, then import a repository from the
// fake GitHub and push a folder back with a pull request.

async function signUp(page: Page) {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(`e2e-${randomUUID()}@example.test`);
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/ide$/);
}

test("files: create, edit, save, reload; a stale save is refused", async ({ page, baseURL }) => {
  await signUp(page);
  await page.getByRole("link", { name: "Workspace" }).first().click();
  await expect(page.getByText("No files yet")).toBeVisible();

  await page.getByLabel("New in the workspace").fill("notes/todo.md");
  await page.getByRole("button", { name: "New file" }).click();
  await page.getByRole("button", { name: "notes (folder)" }).waitFor();
  await page.getByRole("button", { name: "todo.md" }).click();
  const editor = page.getByLabel("Content of notes/todo.md");
  await editor.fill("- write the spec\n");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();

  await page.reload();
  await page.getByRole("button", { name: "todo.md" }).click();
  await expect(editor).toHaveValue("- write the spec\n");

  // Someone else saves the file meanwhile: this tab's save is refused, its text kept.
  const elsewhere = await page.request.post("/api/files/content", {
    headers: { origin: baseURL ?? "" },
    data: { path: "notes/todo.md", content: "- changed elsewhere\n" },
  });
  expect(elsewhere.status()).toBe(200);
  await editor.fill("- my edit\n");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("This file changed since you opened it")).toBeVisible();
  await expect(editor).toHaveValue("- my edit\n");
  await page.screenshot({ path: test.info().outputPath("workspace-conflict.png"), fullPage: true });

  // The folder, downloaded as a zip: the file's saved text is in it.
  await page.getByRole("button", { name: "notes (folder)" }).click();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download folder as zip" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("notes.zip");
  const zip = await readFile((await download.path()) as string);
  expect(zip.subarray(0, 2).toString()).toBe("PK");
  expect(zip.includes(Buffer.from("notes/todo.md"))).toBe(true);
  expect(zip.includes(Buffer.from("- changed elsewhere"))).toBe(true); // stored: too short to deflate

  // Drag a new top-level file onto the folder: it moves in; then back to the top level.
  await page.getByLabel("New in notes/").fill("done.md");
  await page.getByRole("button", { name: "New file" }).click();
  await page.getByRole("button", { name: "done.md" }).waitFor();
  await page.getByRole("button", { name: "notes (folder)" }).click();
  await page.getByLabel("New in notes/").fill("later");
  await page.getByRole("button", { name: "New folder" }).click();
  await page.getByRole("button", { name: "later (folder)" }).waitFor();
  await page
    .getByRole("button", { name: "done.md" })
    .dragTo(page.getByRole("button", { name: "later (folder)" }));
  await expect
    .poll(async () =>
      (await page.request.get("/api/files/content?path=notes/later/done.md")).status(),
    )
    .toBe(200);
  await page
    .getByRole("button", { name: "done.md" })
    .dragTo(page.getByText("Drop here to move to the top level"));
  await expect
    .poll(async () => (await page.request.get("/api/files/content?path=done.md")).status())
    .toBe(200);
});

test("GitHub: import a repository, push a folder with a pull request", async ({
  page,
  baseURL,
}) => {
  await signUp(page);
  const connect = await page.request.put("/api/settings/github", {
    headers: { origin: baseURL ?? "" },
    data: { token: e2eGithubToken },
  });
  expect(connect.status()).toBe(200);
  await page.goto("/workspace");
  await page.getByRole("button", { name: `Import ${e2eGithubLogin}/todo-app` }).click();
  await expect(page.getByText("Imported 3 files into todo-app.")).toBeVisible();
  await page.getByRole("button", { name: "todo-app (folder)" }).click();
  await page.getByRole("button", { name: "index.html" }).click();
  await expect(page.getByLabel("Content of todo-app/index.html")).toHaveValue(/<h1>Todos<\/h1>/);

  await page.getByRole("button", { name: "todo-app (folder)" }).click();
  await page.getByLabel("Repository (owner/name)").fill(`${e2eGithubLogin}/todo-app`);
  await page.getByLabel("Branch").fill("kiln/e2e");
  await page.getByLabel("Open a pull request").check();
  await page.getByRole("button", { name: "Push", exact: true }).click();
  await expect(page.getByRole("link", { name: /\/pull\/\d+$/ })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath("workspace-github.png"), fullPage: true });
});
