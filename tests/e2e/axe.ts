import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/** axe-core's findings; once more if the page changed under it (an element it was naming went). */
async function analyze(page: Page) {
  try {
    return await new AxeBuilder({ page }).analyze();
  } catch (error) {
    if (!String(error).includes("Cannot read properties of undefined")) throw error;
    await page.waitForTimeout(500);
    return new AxeBuilder({ page }).analyze();
  }
}

/** axe-core finds no serious or critical violation on the page as it is now. */
export async function expectNoSeriousViolations(page: Page, where: string) {
  const { violations } = await analyze(page);
  const serious = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, where).toEqual([]);
}
