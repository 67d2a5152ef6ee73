import { expect, test } from "vitest";
import { lineDiff } from "./diff";

test("the same text has no diff", () => {
  expect(lineDiff("a\nb", "a\nb")).toBe("");
});

test("a changed line in the middle, with three lines of context", () => {
  const before = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].join("\n");
  const after = ["1", "2", "3", "4", "five", "6", "7", "8", "9"].join("\n");
  expect(lineDiff(before, after)).toBe(
    ["@@ -2,7 +2,7 @@", " 2", " 3", " 4", "-5", "+five", " 6", " 7", " 8"].join("\n"),
  );
});

test("additions at the end and a removal at the start are separate hunks when far apart", () => {
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
  const after = [...lines.slice(1), "line 21"];
  const diff = lineDiff(lines.join("\n"), after.join("\n"));
  expect(diff.split("\n").filter((l) => l.startsWith("@@"))).toHaveLength(2);
  expect(diff).toContain("-line 1\n");
  expect(diff.endsWith("+line 21")).toBe(true);
});

test("applying the diff's kept and added lines gives the new text", () => {
  const before = "# Spec\n\n## FR-1\nUsers sign in\n\n## FR-2\nUsers log out\n";
  const after =
    "# Spec\n\n## FR-1\nUsers sign in with email\n\n## FR-2\nUsers log out\n\n## FR-3\nAdmins\n";
  const diff = lineDiff(before, after);
  expect(diff).toContain("-Users sign in\n+Users sign in with email");
  expect(diff).toContain("+## FR-3");
  expect(diff).not.toContain("-Users log out");
});
