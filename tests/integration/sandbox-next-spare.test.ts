import { readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { expect, inject, test } from "vitest";
import { startKiln } from "../support/kiln-server";
import { needsNpmRegistry } from "../support/npm-registry";
import { previewFetch } from "../support/preview-fetch";
import { fragment, run, signedIn } from "../support/sandbox-api";
import { suiteEnv } from "./global-setup";

// A warm Next.js spare: the first Next.js sandbox of a server's life starts one (its dev server
// running, the template compiled); the next Next.js Run takes it. It is no user's, and counts
// against the machine-wide cap.

const hasRegistry = inject("npmRegistry");

const nextPage = (marker: string) =>
  fragment(`export default function Home() {\n  return <h1>${marker}</h1>;\n}\n`, {
    template: "nextjs-developer",
    port: 3000,
    file_path: "pages/index.tsx",
  });

/** Resolves once a spare's app server answers on its socket. */
async function spareAnswers(dataDir: string) {
  const sockets = path.join(dataDir, "run", "preview");
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const names = readdirSync(sockets).filter((name) => name.startsWith("spare_"));
    for (const name of names) {
      const answered = await new Promise<boolean>((resolve) => {
        const probe = httpRequest({ socketPath: path.join(sockets, name), path: "/" });
        probe.on("response", (response) => {
          response.resume();
          resolve(true);
        });
        probe.on("error", () => resolve(false));
        probe.end();
      });
      if (answered) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("no spare answered");
}

test.skipIf(!hasRegistry)(
  needsNpmRegistry(
    "a new Next.js sandbox takes the warm spare; the spare counts against the machine's cap",
    hasRegistry,
  ),
  async () => {
    const kiln = await startKiln({
      env: { ...suiteEnv, KILN_SANDBOX_MAX_TOTAL: "2", KILN_SANDBOX_MAX_PER_USER: "1" },
    });
    try {
      const alice = await signedIn(kiln.url);
      const bob = await signedIn(kiln.url);
      const first = await run(alice, { fragment: nextPage("first page") });
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      await spareAnswers(kiln.dataDir);

      // One running sandbox and the spare fill a cap of 2 for any other template.
      const refused = await run(bob, {
        fragment: fragment("<h1>static</h1>", {
          template: "static-html",
          port: 8000,
          file_path: "index.html",
        }),
      });
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe("sandbox_capacity");

      // A Next.js Run takes the spare: Bob's one sandbox (the spare was no one's), at once.
      const started = performance.now();
      const second = await run(bob, { fragment: nextPage("second page") });
      expect(second.status, JSON.stringify(second.body)).toBe(200);
      expect(second.body.sbxId).not.toBe(first.body.sbxId);
      for (;;) {
        const page = await previewFetch(kiln.url, second.body.url);
        if (page.ok && (await page.text()).includes("second page")) break;
        expect(performance.now() - started).toBeLessThan(10_000);
      }
      console.log(
        `a Next.js sandbox from the warm spare showed its page after ${Math.round(performance.now() - started)} ms`,
      );
    } finally {
      await kiln.stop();
    }
  },
  300_000,
);
