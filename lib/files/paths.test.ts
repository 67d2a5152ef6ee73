import { describe, expect, test } from "vitest";
import { ancestorsOf, isWithin, normalizeWorkspacePath, parentOf } from "./paths";

describe("workspace paths", () => {
  test.each([
    ["src/index.js", "src/index.js"],
    ["./src//lib/./a.ts/", "src/lib/a.ts"],
    ["a b/ü.txt", "a b/ü.txt"],
    // Two spellings of é (composed, and e + combining accent) are one file.
    ["cafe\u0301.md", "café.md"],
    [".env", ".env"],
    ["...", "..."],
  ])("%j is %j", (input, expected) => {
    expect(normalizeWorkspacePath(input)).toEqual({ path: expected });
  });

  test.each([
    ["../etc/passwd", '".."'],
    ["src/../../x", '".."'],
    ["/etc/passwd", "absolute"],
    ["~/x", "absolute"],
    ["src\\index.js", "backslashes"],
    ["a\u0000b", "NUL"],
    ["a\nb", "control characters"],
    ["", "workspace root"],
    ["./", "workspace root"],
    [`${"a".repeat(256)}`, "255 bytes"],
    [`x/${"é".repeat(128)}`, "255 bytes"],
    ["a\ud800b", "well-formed"],
    [Array.from({ length: 70 }, () => "d").join("/"), "deep"],
  ])("%j is refused (%s)", (input, why) => {
    const check = normalizeWorkspacePath(input);
    expect("error" in check && check.error).toContain(why);
  });

  test("the root is a place only where it is allowed", () => {
    expect(normalizeWorkspacePath("", true)).toEqual({ path: "" });
    expect(normalizeWorkspacePath(".", true)).toEqual({ path: "" });
  });

  test("parents, ancestors and containment", () => {
    expect(parentOf("a/b/c.txt")).toBe("a/b");
    expect(parentOf("c.txt")).toBe("");
    expect(ancestorsOf("a/b/c.txt")).toEqual(["a", "a/b"]);
    expect(ancestorsOf("c.txt")).toEqual([]);
    expect(isWithin("a/b", "a")).toBe(true);
    expect(isWithin("ab", "a")).toBe(false);
    expect(isWithin("a", "a")).toBe(true);
  });
});
