import { expect, type Page, test } from "@playwright/test";
import { signUp } from "./ide-steps";
import { apiPost, approvedProject } from "./page-api";
import { desktop, shots } from "./widths";

// A build from the project page: Start build, the run's page with its tasks and their progress,
// the event log filled live over SSE (every event once, in order), cancel, then retry. The fake
// model server writes the plan and the tasks' files (tests/support/fake-run-replies.ts). Each
// state is kept as a screenshot at a desktop and a phone width.

/** The sequence numbers the event log shows, top to bottom. */
const loggedSeqs = (page: Page) =>
  page
    .getByTestId("event-log")
    .locator("li > span:first-child")
    .allTextContents()
    .then((texts) => texts.map(Number));

test("start a build, follow its events live, cancel it and retry", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize(desktop);
  await signUp(page, "runs");

  const project = await approvedProject(page, {
    name: "Build board",
    description: "A kanban board for small teams",
  });

  await page.goto(`/projects/${project.id}`);
  await expect(page.getByText("No builds yet.")).toBeVisible();
  await shots(page, "01-project-approved");
  await page.getByRole("button", { name: "Start build" }).click();
  await expect(page).toHaveURL(/\/runs\/run_[a-z0-9]+$/);
  await expect(page.getByRole("heading", { name: "Build #1" })).toBeVisible();

  // The plan's tasks appear and finish; the log shows the events as they come.
  await expect(page.getByTestId("event-log")).toContainText("RUN_STARTED");
  await expect(page.getByTestId("event-log")).toContainText("TASK_COMPLETED", {
    timeout: 60_000,
  });
  await expect(page.getByTestId("task-progress")).toHaveText(/^[1-9]\d* of [1-9]\d* done$/, {
    timeout: 30_000,
  });
  await shots(page, "02-run-live");

  // Cancel it (or, if it already ended, it shows its end): the stream ends with the run.
  const cancel = page.getByRole("button", { name: "Cancel build" });
  if (await cancel.isVisible()) await cancel.click();
  await expect(page.getByTestId("stream-state")).toHaveText("Ended", { timeout: 30_000 });
  await expect(page.getByTestId("run-status").first()).toHaveText(/succeeded|failed|cancelled/);
  const seqs = await loggedSeqs(page);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  const listed = await page.request.get(
    `${page.url().replace(/^.*\/projects\//, "/api/v1/projects/")}/events?limit=1000`,
  );
  const stored = (await listed.json()).data as { seq: number; eventType: string }[];
  const end = stored.findIndex((e) => e.eventType.startsWith("RUN_") && e.seq > 1);
  expect(seqs).toEqual(stored.slice(0, end + 1).map((e) => e.seq));
  await shots(page, "03-run-ended");

  // A reload replays the whole log from the start, once.
  await page.reload();
  await expect(page.getByTestId("stream-state")).toHaveText("Ended");
  expect(await loggedSeqs(page)).toEqual(seqs);

  const retry = page.getByRole("button", { name: "Retry" });
  if (await retry.isVisible()) {
    await retry.click();
    await expect(page.getByRole("heading", { name: "Build #2" })).toBeVisible();
    await expect(page.getByTestId("event-log")).toContainText("RUN_STARTED");
    await shots(page, "04-retry");
    const again = page.getByRole("button", { name: "Cancel build" });
    if (await again.isVisible()) await again.click();
  }

  await page.getByRole("link", { name: "← Project" }).click();
  await expect(page.getByRole("link", { name: /Build #1/ })).toBeVisible();
  await shots(page, "05-project-builds");
});

test("a finished build: browse its files at its result and a task's branch, export it as a zip", async ({
  page,
}) => {
  test.setTimeout(270_000);
  await page.setViewportSize(desktop);
  await signUp(page, "runfiles");
  const project = await approvedProject(page, { name: "Files board" });
  const run = await apiPost(page, `/api/v1/projects/${project.id}/runs`);
  await page.goto(`/projects/${project.id}/runs/${run.id}`);
  await expect(page.getByTestId("run-status").first()).toHaveText("succeeded", {
    timeout: 120_000,
  });

  // The result: its folders, then a file in the code viewer.
  const files = page.getByRole("navigation", { name: "Files of the run" });
  await expect(page.getByLabel("At")).toHaveValue(/^[0-9a-f]{40}$/);
  await files.getByRole("button", { name: "src/" }).click();
  await files.getByRole("button", { name: "store/" }).click();
  await files.getByRole("button", { name: /^boards\.js/ }).click();
  await expect(page.getByRole("textbox", { name: "Code of src/store/boards.js" })).toContainText(
    "written for the task store",
  );
  await expect(page.getByTestId("run-file-caption")).toContainText("src/store/boards.js at");
  await shots(page, "06-run-files");

  // A task's branch holds that task's files; the start holds none of them.
  await page.getByLabel("At").selectOption({ label: "Task 1: store" });
  await files.getByRole("button", { name: "root" }).click();
  await expect(files.getByRole("button", { name: "src/" })).toBeVisible();
  const start = await page
    .getByLabel("At")
    .locator("option", { hasText: /^Start / })
    .getAttribute("value");
  await page.getByLabel("At").selectOption(start as string);
  await expect(files.getByRole("button", { name: "src/" })).toHaveCount(0);

  // Export: the progress while the zip is made, then the download, a real zip of the result.
  await page.getByRole("button", { name: "Export as zip" }).click();
  await expect(page.getByRole("link", { name: "Download" })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/files-board-run-1\.zip is ready \(\d/)).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("files-board-run-1.zip");
  const zip = await import("node:fs/promises").then(async (fs) =>
    fs.readFile((await download.path()) as string),
  );
  expect(zip.subarray(0, 2).toString()).toBe("PK");
  expect(zip.includes(Buffer.from("files-board-run-1/src/store/boards.js"))).toBe(true);
  await shots(page, "07-run-exported");

  // Replay: build #2 from build #1's recorded answers, the model not asked again, the same files.
  await expect(page.getByText(/ [1-9][\d,]* tokens used/)).toBeVisible();
  await page.getByRole("button", { name: "Replay" }).click();
  await expect(page.getByRole("heading", { name: "Build #2" })).toBeVisible();
  await expect(page.getByRole("link", { name: "replays an earlier build" })).toBeVisible();
  await expect(page.getByTestId("run-status").first()).toHaveText("succeeded", {
    timeout: 120_000,
  });
  await expect(page.getByText(/ · 0 tokens used/)).toBeVisible();
  await files.getByRole("button", { name: "src/" }).click();
  await files.getByRole("button", { name: "store/" }).click();
  await files.getByRole("button", { name: /^boards\.js/ }).click();
  await expect(page.getByRole("textbox", { name: "Code of src/store/boards.js" })).toContainText(
    "written for the task store",
  );
  await shots(page, "08-run-replayed");
});
