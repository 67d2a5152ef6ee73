import { describe, expect, test } from "vitest";
import { moveTarget } from "./file-tree-view";

describe("moveTarget", () => {
  test("an entry dropped on a folder lands in it under its own name", () => {
    expect(moveTarget("notes/todo.md", "archive")).toBe("archive/todo.md");
    expect(moveTarget("notes", "archive/2026")).toBe("archive/2026/notes");
    expect(moveTarget("notes/todo.md", "")).toBe("todo.md");
  });
  test("a drop that changes nothing, or puts a folder inside itself, is no move", () => {
    expect(moveTarget("notes/todo.md", "notes")).toBeUndefined();
    expect(moveTarget("todo.md", "")).toBeUndefined();
    expect(moveTarget("notes", "notes")).toBeUndefined();
    expect(moveTarget("notes", "notes/old")).toBeUndefined();
    // A sibling whose name starts the same is not inside it.
    expect(moveTarget("notes", "notes-old")).toBe("notes-old/notes");
  });
});
