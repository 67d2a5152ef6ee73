import { expect, type Page } from "@playwright/test";

// Set-up through the API the pages use, as the signed-in page.

/** A POST through the API the pages use, answering its data. */
export async function apiPost(page: Page, path: string, data: unknown = {}) {
  // Cookie-authenticated writes must come from Kiln's own origin, as the pages' do.
  const response = await page.request.post(path, {
    data,
    headers: { origin: new URL(page.url()).origin },
  });
  expect(response.ok(), `${path}: ${await response.text()}`).toBe(true);
  return (await response.json()).data;
}

/** A project whose spec is approved (the fake model writes it). */
export async function approvedProject(page: Page, fields: { name: string; description?: string }) {
  const project = await apiPost(page, "/api/v1/projects", fields);
  await apiPost(page, `/api/v1/projects/${project.id}/clarify`);
  await apiPost(page, `/api/v1/projects/${project.id}/answers`, { answers: [] });
  await apiPost(page, `/api/v1/projects/${project.id}/approve`);
  return project as { id: string };
}
