import { describe, expect, test } from "vitest";
import { changedLines } from "./changed-lines";

describe("changedLines", () => {
  test("the same text has no changed line", () => {
    expect(changedLines("a\nb\nc", "a\nb\nc")).toEqual([]);
  });

  test("a changed line and an inserted one are marked, kept ones around them are not", () => {
    expect(changedLines("a\nb\nc\nd", "a\nB\nc\nnew\nd")).toEqual([2, 4]);
  });

  test("lines only removed mark nothing in the new text", () => {
    expect(changedLines("a\nb\nc", "a\nc")).toEqual([]);
  });

  test("a new file is changed throughout", () => {
    expect(changedLines("", "x\ny")).toEqual([1, 2]);
  });

  test("a repeated line counts once per copy", () => {
    expect(changedLines("x\ny", "x\nx\ny")).toEqual([2]);
  });

  test("a large middle is compared by content", () => {
    const old = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const now = ["inserted", ...[...old].reverse()];
    expect(changedLines(old.join("\n"), now.join("\n"))).toEqual([1]);
  });
});
