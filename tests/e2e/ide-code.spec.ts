import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";
import { build, shot, signUp } from "./ide-steps";

// The code pane: a tree of a multi-file fragment's files, Copy, Download as zip, an editor that
// keeps Ctrl+A to itself, and an Edit mode whose Save becomes the chat's next version.

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

const clipboard = (page: import("@playwright/test").Page) =>
  page.evaluate(() => navigator.clipboard.readText());

test("a multi-file fragment: tree, copy, select all, zip download and a saved hand edit", async ({
  page,
}) => {
  await signUp(page, "ide-code");
  await build(page, "Build a multi-file page");
  const tree = page.getByRole("navigation", { name: "Files" });
  await expect(tree.getByRole("button")).toHaveText(["style.css", "app.js", "index.html"]);
  await expect(tree).toContainText("css/");
  // The file being written was followed; it stays open when the writing ends.
  await expect(tree.getByRole("button", { name: "app.js" })).toHaveAttribute(
    "aria-current",
    "true",
  );
  await tree.getByRole("button", { name: "style.css" }).click();
  const code = page.getByTestId("code-view");
  await expect(code).toContainText("h1 { color: #c2410c; }");
  await shot(page, "code-01-tree");

  await page.getByRole("button", { name: "Copy" }).click();
  await expect(page.getByText("Copied css/style.css")).toBeVisible();
  expect(await clipboard(page)).toBe("h1 { color: #c2410c; }\n");

  // The editor takes the focus, and Ctrl+A there is the code's, not the page's.
  await tree.getByRole("button", { name: "index.html" }).click();
  const editor = page.getByRole("textbox", { name: "Code of index.html" });
  await editor.focus();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("ControlOrMeta+C");
  const copied = await clipboard(page);
  expect(copied.startsWith("<!doctype html>")).toBe(true);
  expect(copied.endsWith("</html>")).toBe(true);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("three-file-page.zip");
  const saved = test.info().outputPath("three-file-page.zip");
  await download.saveAs(saved);
  const listing = execFileSync(
    "/usr/bin/python3",
    [
      "-c",
      "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(' '.join(sorted(z.namelist())))",
      saved,
    ],
    { encoding: "utf8" },
  );
  expect(listing.trim()).toBe("css/style.css index.html js/app.js");

  // Into the workspace, in a folder of its own; again, into the next free one: nothing replaced.
  await page.getByRole("button", { name: "To workspace" }).click();
  await expect(page.getByText("Saved to your workspace in three-file-page/")).toBeVisible();
  await page.getByRole("button", { name: "To workspace" }).click();
  await expect(page.getByText("Saved to your workspace in three-file-page-2/")).toBeVisible();
  const kept = await page.request.get("/api/files/content?path=three-file-page/css/style.css");
  expect(((await kept.json()) as { content: string }).content).toBe("h1 { color: #c2410c; }\n");

  // Edit by hand, then save: the chat gains a version that a reload still shows.
  await page.getByRole("button", { name: "Edit code" }).click();
  const editing = page.getByRole("textbox", { name: "Editing index.html" });
  await editing.click();
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.type("\n<!-- edited by hand -->");
  await expect(tree.getByRole("button", { name: "index.html (edited)" })).toBeVisible();
  await shot(page, "code-02-editing");
  await page.getByRole("button", { name: "Save version" }).click();
  await expect(page.getByText("Saved as a new version")).toBeVisible();
  await expect(page.getByText("Edited by hand: index.html.")).toBeVisible();
  await expect(code).toContainText("<!-- edited by hand -->");
  await page.reload();
  await expect(page.getByText("Edited by hand: index.html.")).toBeVisible();
  await expect(page.getByTestId("code-view")).toContainText("<!-- edited by hand -->");
  await shot(page, "code-03-saved");
});
