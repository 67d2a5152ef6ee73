import { describe, expect, test } from "vitest";
import { fileParamsSchema, listFilesQuerySchema, refSchema } from "./schemas";

describe("refs", () => {
  test("branches, tags and commit ids pass", () => {
    for (const ref of ["main", "run/001", "feat/task-001-auth", "v1.2.3", "a1b2c3d", "x+y_z"]) {
      expect(refSchema.safeParse(ref).success, ref).toBe(true);
    }
  });

  test("options, revision syntax and malformed names are refused", () => {
    for (const ref of [
      "-h",
      "--output=/tmp/x",
      "main..dev",
      "main@{1}",
      "HEAD~1",
      "HEAD^",
      "main:README.md",
      "a b",
      "/main",
      "main/",
      "main.",
      "a/.b",
      "x.lock",
      "a//b",
      "",
      "é",
    ]) {
      expect(refSchema.safeParse(ref).success, ref).toBe(false);
    }
  });
});

describe("repository paths", () => {
  const pathOf = (path: string) => listFilesQuerySchema.safeParse({ path });

  test("slashes at either end are dropped; no path is the root", () => {
    expect(pathOf("/src/app/").data?.path).toBe("src/app");
    expect(pathOf("/").data?.path).toBe("");
    expect(listFilesQuerySchema.parse({})).toEqual({ ref: "main", path: "" });
  });

  test("dot parts, empty parts, line breaks and long parts are refused", () => {
    for (const path of ["..", "a/../b", "./a", "a/.", "a//b", "a\nb", "x".repeat(256)]) {
      expect(pathOf(path).success, path).toBe(false);
    }
  });

  test("a catch-all path is joined from its parts and checked as a whole", () => {
    const parse = (path: string[]) => fileParamsSchema.safeParse({ projectId: "proj_a", path });
    expect(parse(["src", "app.ts"]).data?.path).toBe("src/app.ts");
    expect(parse(["../etc/passwd"]).success).toBe(false);
    expect(parse(["src", ".."]).success).toBe(false);
    expect(parse(["/"]).success).toBe(false);
  });
});
