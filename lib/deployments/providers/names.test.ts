import { expect, test } from "vitest";
import { netlifyName } from "../netlify/netlify-adapter";
import { vercelName } from "../vercel/vercel-adapter";

// A deployment's name becomes a name each provider accepts: Vercel's project names and
// Netlify's subdomains (unique per deployment, since every deployment gets a site of its own).

test("Vercel names are lowercase letters, digits, '.', '_' and '-', at most 100 long", () => {
  expect(vercelName("My App run 3")).toBe("my-app-run-3");
  expect(vercelName("--Ünicode!!  app--")).toBe("nicode-app");
  expect(vercelName("!!!")).toBe("kiln-app");
  expect(vercelName("a".repeat(300))).toHaveLength(100);
});

test("Netlify names are a subdomain: the name, then the deployment's id, at most 63 long", () => {
  expect(netlifyName("My App run 3", "dep_abc123")).toBe("my-app-run-3-abc123");
  expect(netlifyName("???", "dep_abc123")).toBe("kiln-abc123");
  const long = netlifyName("x".repeat(200), "dep_0123456789abcdef");
  expect(long).toHaveLength(63);
  expect(long).toMatch(/^x+-0123456789ab$/);
});
