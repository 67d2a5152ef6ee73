import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test, vi } from "vitest";
import type { Fragment } from "@/lib/fragments/schema";
import { importWithEnv } from "@/tests/support/env";

// A Run prepares its sandbox's template once, though its install and its app's server both need
// what was prepared: each preparation checks the cache on disk, and a Python template starts a
// Python to look for its framework.

vi.mock("@/lib/sandbox/local/templates/template-cache", async (importOriginal) => {
  const actual =
    await importOriginal<typeof import("@/lib/sandbox/local/templates/template-cache")>();
  return { ...actual, prepareTemplate: vi.fn(actual.prepareTemplate) };
});

const dataDir = await mkdtemp(path.join(tmpdir(), "kiln-run-template-"));
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

const fragment: Fragment = {
  commentary: "",
  template: "static-html",
  title: "Hello",
  description: "",
  additional_dependencies: [],
  has_additional_dependencies: false,
  // Runs with the install's network and binds; installs nothing.
  install_dependencies_command: "true",
  port: 8000,
  file_path: "index.html",
  code: "<p>hello</p>",
};

// Opening the embedded database and starting an app server take seconds on a loaded machine.
test("a Run with an install and an app server prepares the template once", {
  timeout: 120_000,
}, async () => {
  const { runFragment } = await importWithEnv<typeof import("@/lib/sandbox/run-fragment")>(
    "@/lib/sandbox/run-fragment",
    {
      DATA_DIR: dataDir,
      DATABASE_URL: undefined,
      E2B_API_KEY: undefined,
      KILN_SANDBOX_INSTALL_NETWORK: "on",
    },
  );
  const { prepareTemplate } = await import("@/lib/sandbox/local/templates/template-cache");
  const { deleteSandbox } = await import("@/lib/sandbox/open-sandbox");
  const { getDb } = await import("@/lib/db/client");
  const db = await getDb();
  const [user] = await db.query<{ id: string }>(
    "insert into users (email) values ('runs@example.com') returning id",
  );
  const userId = user!.id;
  const origin = "http://localhost:3000";

  const first = await runFragment({ userId, fragment, origin });
  cleanups.push(() => deleteSandbox(userId, first.sbxId));
  expect(first).toMatchObject({ template: "static-html", warnings: [] });
  expect("url" in first && first.url).toMatch(/^http:\/\/[0-9a-f]{32}\.preview\.localhost:3000\/$/);
  expect(prepareTemplate).toHaveBeenCalledTimes(1);

  // The next Run in the same sandbox prepares again, once.
  const second = await runFragment({ userId, fragment, origin, sbxId: first.sbxId });
  expect(second.sbxId).toBe(first.sbxId);
  expect(prepareTemplate).toHaveBeenCalledTimes(2);
});
