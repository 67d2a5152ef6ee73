import { expect, type Page, test } from "@playwright/test";

// The two widths every page is looked at: a desktop and a phone.

export const desktop = { width: 1440, height: 900 };
export const phone = { width: 390, height: 844 };

/** Screenshots at both widths; at each the document is exactly as wide as the viewport. */
export async function shots(page: Page, name: string, options: { fullPage?: boolean } = {}) {
  for (const size of [desktop, phone]) {
    await page.setViewportSize(size);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.screenshot({
      path: test.info().outputPath(`${name}-${size.width}.png`),
      fullPage: options.fullPage ?? true,
    });
    expect(width, `${name} at ${size.width} px`).toBe(size.width);
  }
  await page.setViewportSize(desktop);
}
