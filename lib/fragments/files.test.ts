import { describe, expect, test } from "vitest";
import { fragmentFiles } from "./files";

describe("fragmentFiles", () => {
  test("lists the entry first, then the others in order", () => {
    const files = [
      { file_path: "b.py", code: "b" },
      { file_path: "a.py", code: "a" },
    ];
    expect(fragmentFiles({ file_path: "app.py", code: "main", files })).toEqual([
      { file_path: "app.py", code: "main" },
      ...files,
    ]);
    expect(fragmentFiles({ file_path: "app.py", code: "main" })).toEqual([
      { file_path: "app.py", code: "main" },
    ]);
  });

  test("on duplicate paths the entry wins, then the last copy, at the first position", () => {
    const files = [
      { file_path: "a.py", code: "a1" },
      { file_path: "app.py", code: "not the entry" },
      { file_path: "b.py", code: "b" },
      { file_path: "a.py", code: "a2" },
    ];
    expect(fragmentFiles({ file_path: "app.py", code: "main", files })).toEqual([
      { file_path: "app.py", code: "main" },
      { file_path: "a.py", code: "a2" },
      { file_path: "b.py", code: "b" },
    ]);
  });

  test("of a fragment still being written, files without a path are left out", () => {
    expect(
      fragmentFiles({
        file_path: "index.html",
        files: [
          { file_path: "app.js", code: "let n = 0;" },
          { file_path: "style.css" },
          { code: "x" },
        ],
      }),
    ).toEqual([
      { file_path: "index.html", code: "" },
      { file_path: "app.js", code: "let n = 0;" },
      { file_path: "style.css", code: "" },
    ]);
    expect(fragmentFiles({ files: [{ file_path: "a.py", code: "a" }] })).toEqual([
      { file_path: "a.py", code: "a" },
    ]);
  });
});
