import { expect, type Page, test } from "@playwright/test";
import { signUp } from "./ide-steps";

// A project from description to approved spec, against the fake model server Playwright starts
// (tests/support/fake-spec-replies.ts writes the questions and the spec). Each state is kept as
// a screenshot at a desktop and a phone width.

const desktop = { width: 1440, height: 900 };
const phone = { width: 390, height: 844 };

/** Screenshots at both widths; at the phone's the document must not scroll sideways. */
async function shots(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}-1440.png`), fullPage: true });
  await page.setViewportSize(phone);
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  await page.screenshot({ path: test.info().outputPath(`${name}-390.png`), fullPage: true });
  await page.setViewportSize(desktop);
  expect(overflow, `${name} scrolls sideways at 390 px`).toBe(0);
}

const spec = (page: Page) => page.getByTestId("spec-document");

test("create a project, answer its questions, review, regenerate and approve its spec", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize(desktop);
  await signUp(page, "projects");

  await page.goto("/projects");
  await expect(page.getByText("No projects yet")).toBeVisible();
  await shots(page, "01-projects-empty");

  await page.getByRole("link", { name: "New project" }).click();
  await expect(page).toHaveURL(/\/projects\/new$/);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByText("Name is required.")).toBeVisible();
  await page.getByLabel("Name").fill("Team task board");
  await page
    .getByLabel("Description")
    .fill("Boards of cards for small teams, with due dates and attachments.");
  await shots(page, "02-new-project");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(/\/projects\/proj_[a-z0-9]+$/);
  await expect(page.getByRole("heading", { name: "Team task board" })).toBeVisible();
  await expect(page.getByTestId("project-status")).toHaveText("Draft");
  await shots(page, "03-project-draft");

  await page.getByRole("button", { name: "Ask clarifying questions" }).click();
  await expect(page.getByTestId("clarify-question")).toHaveCount(3, { timeout: 30_000 });
  await expect(page.getByTestId("project-status")).toHaveText("Questions");
  // Recommended answers are chosen; each question says why it matters.
  await expect(page.getByRole("radio", { name: /Email and password/ })).toBeChecked();
  const live = page.getByRole("switch", { name: "Do boards update live for everyone?" });
  await expect(live).toHaveAttribute("aria-checked", "false");
  await expect(page.getByLabel("What is a card's largest attachment?")).toHaveValue("10 MB");
  await expect(page.getByText("Live updates need a realtime channel.")).toBeVisible();
  await page.getByRole("radio", { name: "Magic link" }).check();
  await live.click();
  await expect(live).toHaveAttribute("aria-checked", "true");
  await shots(page, "04-questions");

  await page.getByRole("button", { name: "Write the spec" }).click();
  await expect(page.getByTestId("busy-panel")).toContainText("Writing the spec");
  await expect(page.getByRole("button", { name: "Write the spec" })).toBeDisabled();
  await shots(page, "05-writing-spec");
  await expect(page.getByTestId("project-status")).toHaveText("Spec review", {
    timeout: 30_000,
  });
  await expect(page.getByTestId("busy-panel")).toBeHidden();
  await expect(spec(page).getByRole("heading", { name: "Task board" })).toBeVisible();
  await expect(spec(page).getByRole("cell", { name: /Magic link/ })).toBeVisible();
  await expect(spec(page).getByRole("cell", { name: "Yes", exact: true })).toBeVisible();
  await shots(page, "06-spec-review");
  await page.getByRole("tab", { name: "ACCEPTANCE.md" }).click();
  await expect(spec(page)).toContainText("AC-2");
  await shots(page, "07-acceptance");

  // Markup in the feedback comes back inside the spec as text, never as elements.
  await page.getByLabel("Regenerate with feedback").fill("Cards also need <b>labels</b>.");
  await page.getByRole("button", { name: "Regenerate" }).click();
  await expect(page.getByTestId("busy-panel")).toContainText("Writing a new version");
  await expect(page.getByTestId("busy-panel")).toBeHidden({ timeout: 30_000 });
  await expect(page.getByLabel("Version")).toHaveValue("2");
  await expect(page.getByTestId("spec-version-info")).toContainText("Cards also need");
  await page.getByRole("tab", { name: "SPEC.md" }).click();
  await expect(spec(page)).toContainText("FR-3: Requested change");
  await expect(spec(page).locator("b")).toHaveCount(0);
  await shots(page, "08-version-2");

  await page.getByRole("button", { name: "Changes" }).click();
  const diff = page.getByTestId("spec-diff");
  await expect(diff.locator('[data-diff="added"]', { hasText: "Requested change" })).toHaveCount(1);
  await expect(diff.getByText("no changes")).toHaveCount(2);
  await shots(page, "09-diff");

  await page.getByRole("button", { name: "Documents" }).click();
  await page.getByLabel("Version").selectOption("1");
  await expect(spec(page)).toContainText("FR-2: Boards");
  await expect(spec(page)).not.toContainText("Requested change");
  await page.getByLabel("Version").selectOption("2");

  await page.getByRole("button", { name: "Approve spec" }).click();
  await expect(page.getByTestId("project-status")).toHaveText("Approved");
  await expect(page.getByText("Version 2 was approved")).toBeVisible();
  await shots(page, "10-approved");

  await page.getByRole("link", { name: "← Projects" }).click();
  await expect(page.getByTestId("project-row")).toHaveCount(1);
  await expect(page.getByTestId("project-row").getByTestId("project-status")).toHaveText(
    "Approved",
  );
  await expect(page.getByTestId("project-latest-run")).toHaveText("No runs yet");
  await shots(page, "11-projects-list");
  await page.getByLabel("Search").fill("boards");
  await expect(page.getByTestId("project-count")).toHaveText(/^1 project/);
  await page.getByLabel("Search").fill("spaceship");
  await expect(page.getByText("No projects match “spaceship”.")).toBeVisible();
  await shots(page, "12-search-no-match");
  await page.getByRole("button", { name: "Clear filters" }).click();
  await page.getByLabel("Status").selectOption("draft");
  await expect(page.getByText("No projects match this status.")).toBeVisible();
  await page.getByLabel("Status").selectOption("approved");
  await expect(page.getByTestId("project-row")).toHaveCount(1);

  await page.getByRole("link", { name: "Team task board" }).click();
  await page.getByRole("button", { name: "Archive" }).click();
  await shots(page, "13-archive-confirm");
  await page.getByRole("button", { name: "Confirm archive" }).click();
  await expect(page).toHaveURL(/\/projects$/);
  await expect(page.getByText("No projects yet")).toBeVisible();
  await page.goto("/projects");
  await page.getByLabel("Status").selectOption("archived");
  await expect(page.getByTestId("project-row").getByTestId("project-status")).toHaveText(
    "Archived",
  );
});

test("a model answer that never passes Kiln's checks is shown in plain words and changes nothing", async ({
  page,
}) => {
  await page.setViewportSize(desktop);
  await signUp(page, "projects-failing");
  await page.goto("/projects/new");
  await page.getByLabel("Name").fill("Pigeon post");
  await page.getByLabel("Description").fill("Never answerable: the model gets this one wrong.");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(/\/projects\/proj_[a-z0-9]+$/);

  await page.getByRole("button", { name: "Ask clarifying questions" }).click();
  await expect(page.getByTestId("busy-panel")).toContainText("sending it back", {
    timeout: 30_000,
  });
  const alert = page.getByRole("alert").filter({ hasText: "did not pass Kiln's checks" });
  await expect(alert).toContainText("after 3 attempts", { timeout: 30_000 });
  await expect(alert).toContainText("the recommended answer must be one of its options");
  await expect(page.getByTestId("busy-panel")).toBeHidden();
  await expect(page.getByTestId("project-status")).toHaveText("Draft");
  await expect(page.getByRole("button", { name: "Ask clarifying questions" })).toBeEnabled();
  await shots(page, "14-model-failed");
});

test("the list pages through many projects and searches them", async ({ page, baseURL }) => {
  await page.setViewportSize(desktop);
  await signUp(page, "projects-many");
  for (let n = 1; n <= 21; n++) {
    const created = await page.request.post("/api/v1/projects", {
      headers: { origin: baseURL ?? "" },
      data: { name: `Project ${String(n).padStart(2, "0")}`, description: `Number ${n}` },
    });
    expect(created.status()).toBe(201);
  }
  await page.goto("/projects");
  await expect(page.getByTestId("project-count")).toHaveText("21 projects · page 1 of 2");
  await expect(page.getByTestId("project-row")).toHaveCount(20);
  await page.getByRole("button", { name: "Next" }).click();
  await expect(page.getByTestId("project-count")).toHaveText("21 projects · page 2 of 2");
  await expect(page.getByTestId("project-row")).toHaveCount(1);
  // Newest first: the first one made is the last on the last page.
  await expect(page.getByTestId("project-row")).toContainText("Project 01");
  await expect(page.getByRole("button", { name: "Next" })).toBeDisabled();
  await shots(page, "15-second-page");

  await page.getByLabel("Search").fill("Project 07");
  await expect(page.getByTestId("project-count")).toHaveText(/^1 project · page 1 of 1$/);
  await expect(page.getByTestId("project-row")).toContainText("Number 7");

  // The filters live in the address: a reload (or a shared link) shows the same list.
  await expect(page).toHaveURL(/\/projects\?search=Project\+07$/);
  await page.reload();
  await expect(page.getByLabel("Search")).toHaveValue("Project 07");
  await expect(page.getByTestId("project-row")).toHaveCount(1);
  await page.getByTestId("project-row").getByRole("link").first().click();
  await expect(page).toHaveTitle("Project 07 · Kiln");
});
