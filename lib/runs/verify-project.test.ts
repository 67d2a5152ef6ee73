import { describe, expect, test } from "vitest";
import { nodeProject, satisfies } from "./verify-project";

// Which of Kiln's templates an app builds on, and whether its prepared packages satisfy the
// app's ranges: what decides that an install can be skipped offline.

describe("satisfies", () => {
  test.each([
    ["4.22.3", "4.22.3", true],
    ["4.22.3", "^4.21.0", true],
    ["4.22.3", "^4.23.0", false],
    ["4.22.3", "^5.0.0", false],
    ["4.22.3", "~4.22.1", true],
    ["4.22.3", "~4.21.0", false],
    ["0.7.1", "^0.7.0", true],
    ["0.7.1", "^0.6.0", false],
    ["4.22.3", "4", true],
    ["4.22.3", "4.x", true],
    ["4.22.3", "*", true],
    ["4.22.3", "latest", true],
    ["4.22.3", ">=4.0.0 <5", false],
    ["4.22.3", "github:expressjs/express", false],
  ])("%s satisfies %s: %s", (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });

  test("a package the template lacks satisfies nothing", () => {
    expect(satisfies(undefined, "*")).toBe(false);
  });
});

describe("nodeProject", () => {
  test("an express app builds on the node-server template with nothing missing", () => {
    const project = nodeProject({ scripts: {}, dependencies: { express: "^4.21.0" } });
    expect(project).toMatchObject({ template: "node-server", missing: [] });
  });

  test("a Next.js app builds on the Next.js template, and names what it adds", () => {
    const project = nodeProject({
      scripts: { build: "next build" },
      dependencies: { next: "*", react: "*", "react-dom": "*", zod: "^4.0.0" },
    });
    expect(project).toMatchObject({ template: "nextjs-developer", missing: ["zod"] });
  });

  test("an app sharing nothing with any template has no template, and needs everything", () => {
    const project = nodeProject({ scripts: {}, dependencies: { "left-pad": "1.3.0" } });
    expect(project).toMatchObject({ template: undefined, missing: ["left-pad"] });
  });
});
