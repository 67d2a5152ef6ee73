import { expect, type Page, test } from "@playwright/test";
import { edit, signUp } from "./ide-steps";
import { desktop, shots } from "./widths";

// A workspace folder as an app: files made in the workspace, run in the IDE (Run in IDE: a chat
// whose app is the folder, running in a sandbox), edited by chatting with the model, saved back
// to the folder they came from, and there after a reload of the workspace.

const preview = (page: Page) => page.frameLocator("iframe[title='App preview']");

test("a workspace folder runs in the IDE, is edited by chat and saved back", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize(desktop);
  await signUp(page, "workspace-app");
  const made = await page.request.post("/api/files/batch", {
    headers: { origin: baseURL ?? "" },
    data: {
      files: [
        {
          path: "sites/hello/index.html",
          content:
            '<!doctype html><html><head><link rel="stylesheet" href="style.css"></head><body><h1>Hello from the workspace</h1></body></html>',
        },
        { path: "sites/hello/style.css", content: "h1 { color: teal; }" },
      ],
    },
  });
  expect(made.status()).toBe(200);

  await page.goto("/workspace");
  await page.getByRole("button", { name: "sites (folder)" }).click();
  await page.getByRole("button", { name: "hello (folder)" }).click();
  await expect(page.getByText("sites/hello/", { exact: true })).toBeVisible();
  await shots(page, "workspace-app-01-folder", { fullPage: false });
  await page.getByRole("button", { name: "Run in IDE" }).click();

  // The IDE: the folder's files as the chat's app, running.
  await expect(page).toHaveURL(/\/ide\?chat=chat_/);
  await page.getByRole("tab", { name: "preview" }).click();
  await expect(
    preview(page).getByRole("heading", { name: "Hello from the workspace" }),
  ).toBeVisible({ timeout: 60_000 });
  await shots(page, "workspace-app-02-running", { fullPage: false });

  // Edited by the model, then saved back to the folder it came from.
  await edit(page);
  await page.getByRole("tab", { name: "code" }).click();
  await page.getByRole("button", { name: "Save to workspace" }).click();
  await expect(page.getByText("Saved index.html to sites/hello/")).toBeVisible();

  await page.goto("/workspace");
  await page.getByRole("button", { name: "sites (folder)" }).click();
  await page.getByRole("button", { name: "hello (folder)" }).click();
  await page.getByRole("button", { name: "index.html" }).click();
  await expect(page.getByLabel("Content of sites/hello/index.html")).toHaveValue(
    /<h1 class="hello">Hello from the workspace<\/h1>/,
  );
  await shots(page, "workspace-app-03-saved-back", { fullPage: false });
});
