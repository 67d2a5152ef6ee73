import { describe, expect, test } from "vitest";
import {
  applyEdits,
  type EditFailure,
  editFailuresMessage,
  type FileEdit,
  type FragmentEdits,
  replaceOnce,
} from "./edits";
import { type Fragment, fragmentSchema } from "./schema";

const app = [
  "from util import double",
  "",
  "def main():",
  "    total = 0",
  "    for i in range(3):",
  "        total += double(i)",
  "    print(total)",
  "",
].join("\n");

const fragment: Fragment = fragmentSchema.parse({
  commentary: "Doubles numbers.",
  template: "code-interpreter-v1",
  title: "Doubler",
  description: "Prints a total.",
  additional_dependencies: [],
  has_additional_dependencies: false,
  install_dependencies_command: "",
  port: null,
  file_path: "script.py",
  code: app,
  files: [{ file_path: "util.py", code: "def double(x):\n    return x * 2\n" }],
});

const request = (edits: FileEdit[], more: Partial<FragmentEdits> = {}): FragmentEdits => ({
  commentary: "Changed it.",
  edits,
  title: null,
  description: null,
  additional_dependencies: null,
  ...more,
});

function failuresOf(edits: FileEdit[]): EditFailure[] {
  const result = applyEdits(fragment, request(edits));
  if (result.ok) throw new Error("expected the edits to fail");
  return result.failures;
}

describe("applyEdits", () => {
  test("applies exact edits in order across files, updating commentary and metadata", () => {
    const result = applyEdits(
      fragment,
      request(
        [
          { file_path: "util.py", search: "x * 2", replace: "x * 3" },
          { file_path: "script.py", search: "import double", replace: "import triple" },
          { file_path: "script.py", search: "double(i)", replace: "triple(i)" },
          { file_path: "util.py", search: "def double", replace: "def triple" },
        ],
        { title: "Tripler", additional_dependencies: ["rich"] },
      ),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.fragment.code).toBe(
      app.replace("import double", "import triple").replace("double(i)", "triple(i)"),
    );
    expect(result.fragment.files).toEqual([
      { file_path: "util.py", code: "def triple(x):\n    return x * 3\n" },
    ]);
    expect(result.fragment).toMatchObject({
      commentary: "Changed it.",
      title: "Tripler",
      description: "Prints a total.",
      additional_dependencies: ["rich"],
      has_additional_dependencies: true,
      install_dependencies_command: "pip install rich",
      template: "code-interpreter-v1",
      port: null,
    });
  });

  test("an empty search creates a new file, which later edits can change", () => {
    const result = applyEdits(
      fragment,
      request([
        { file_path: "data/readme.md", search: "", replace: "# Data\nTODO\n" },
        { file_path: "data/readme.md", search: "TODO", replace: "Numbers." },
      ]),
    );
    expect(result.ok && result.fragment.files).toEqual([
      { file_path: "util.py", code: "def double(x):\n    return x * 2\n" },
      { file_path: "data/readme.md", code: "# Data\nNumbers.\n" },
    ]);
  });

  test("the replacement is literal: $& and $1 are not expanded", () => {
    const result = applyEdits(
      fragment,
      request([{ file_path: "util.py", search: "x * 2", replace: "'$&' + '$1'" }]),
    );
    expect(result.ok && result.fragment.files![0]!.code).toBe(
      "def double(x):\n    return '$&' + '$1'\n",
    );
  });

  test.each([
    ["../x", 'file_path "../x" must not contain ".."'],
    ["/etc/passwd", 'file_path "/etc/passwd" must be relative, not absolute'],
    ["a\u0000b", 'file_path "a\\u0000b" must not contain control characters such as NUL'],
    ["a\\b", 'file_path "a\\\\b" must use forward slashes, not backslashes'],
  ])("unsafe path %j fails, even for a new file", (file_path, message) => {
    expect(failuresOf([{ file_path, search: "", replace: "x" }])).toEqual([
      { index: 0, file_path, reason: "unsafe_path", message },
    ]);
  });

  test("search text that is missing, ambiguous, or in a file that does not exist", () => {
    expect(
      failuresOf([
        { file_path: "script.py", search: "print(total)", replace: "print(total * 2)" },
        { file_path: "script.py", search: "def mane():", replace: "def main2():" },
        { file_path: "script.py", search: "total", replace: "sum" },
        { file_path: "nope.py", search: "x", replace: "y" },
        { file_path: "util.py", search: "", replace: "overwrite" },
      ]),
    ).toEqual([
      {
        index: 1,
        file_path: "script.py",
        reason: "not_found",
        message:
          'search text "def mane():" not found in "script.py"; copy it exactly from the current file',
      },
      {
        index: 2,
        file_path: "script.py",
        reason: "ambiguous",
        message:
          'search text "total" found 3 times in "script.py"; include more surrounding lines so that it matches once',
      },
      {
        index: 3,
        file_path: "nope.py",
        reason: "unknown_file",
        message:
          '"nope.py" is not in the fragment (files: "script.py", "util.py"); to create it, leave search empty',
      },
      {
        index: 4,
        file_path: "util.py",
        reason: "file_exists",
        message: 'search is empty but "util.py" already exists',
      },
    ]);
  });

  test("all or nothing: one failing edit leaves the fragment untouched", () => {
    const before = structuredClone(fragment);
    const result = applyEdits(
      fragment,
      request(
        [
          { file_path: "util.py", search: "x * 2", replace: "x * 3" },
          { file_path: "script.py", search: "missing", replace: "" },
        ],
        { title: "Changed" },
      ),
    );
    expect(result).toEqual({
      ok: false,
      failures: [expect.objectContaining({ index: 1, reason: "not_found" })],
    });
    expect(fragment).toEqual(before);
    // The first edit alone would have applied.
    expect(
      applyEdits(fragment, request([{ file_path: "util.py", search: "x * 2", replace: "x * 3" }]))
        .ok,
    ).toBe(true);
  });

  test("an edited fragment that breaks the limits fails as a whole", () => {
    const big = "x".repeat(200 * 1024 + 1);
    const failures = failuresOf([{ file_path: "util.py", search: "x * 2", replace: big }]);
    expect(editFailuresMessage(failures).split("\n")[1]).toBe(
      '- Result ("util.py"): the edited fragment is invalid: files.0.code: must be at most 200 KB',
    );
    expect(failures).toEqual([
      {
        index: null,
        file_path: "util.py",
        reason: "invalid_result",
        message: "the edited fragment is invalid: files.0.code: must be at most 200 KB",
      },
    ]);
  });
});

describe("replaceOnce", () => {
  const code = "def f():\n    if x:\n        return 1\n    return 2\n";

  test("whitespace-tolerant: wrong indentation and trailing spaces, re-indented to the file", () => {
    const result = replaceOnce(code, "if x:  \n    return 1\n", "if x:\n    log()\n    return 3\n");
    expect(result).toEqual({
      ok: true,
      content: "def f():\n    if x:\n        log()\n        return 3\n    return 2\n",
    });
  });

  test("whitespace-tolerant matching keeps CRLF line endings", () => {
    const crlf = "x\r\n  a = 1\r\n  b = 2\r\n";
    expect(replaceOnce(crlf, "a = 1\nb = 2", "a = 1\nb = 20")).toEqual({
      ok: true,
      content: "x\r\n  a = 1\r\n  b = 20\r\n",
    });
  });

  test("an empty replacement deletes the matched lines", () => {
    expect(replaceOnce("a\n  b  \nc\n", "b \n", "")).toEqual({ ok: true, content: "a\nc\n" });
  });

  test("whitespace-tolerant matching must be unique too", () => {
    expect(replaceOnce("  a\nb\n    a\n", "a  ", "z")).toEqual({ ok: false, matches: 2 });
  });

  test("an exact match wins over a looser one, and two exact matches are ambiguous", () => {
    expect(replaceOnce("a\n  a\n", "  a", "b")).toEqual({ ok: true, content: "a\nb\n" });
    expect(replaceOnce("aaa", "aa", "b")).toEqual({ ok: false, matches: 2 });
  });

  test("whitespace alone never matches loosely", () => {
    expect(replaceOnce("a\n\nb\n", " \n \n", "x")).toEqual({ ok: false, matches: 0 });
  });
});

describe("editFailuresMessage", () => {
  test("numbers edits from 1 and asks for the whole list again", () => {
    const failures = failuresOf([
      { file_path: "script.py", search: "print(total)", replace: "print(0)" },
      { file_path: "../x", search: "", replace: "" },
    ]);
    expect(editFailuresMessage(failures)).toBe(
      [
        "Your edits were not applied: 1 problem. No edit was applied, so send the complete list of edits again with these fixed:",
        '- Edit 2 ("../x"): file_path "../x" must not contain ".."',
      ].join("\n"),
    );
  });

  test("shows the first few failures and counts the rest", () => {
    const failures = failuresOf(
      Array.from({ length: 4 }, (_, i) => ({
        file_path: "script.py",
        search: `gone${i}`,
        replace: "",
      })),
    );
    const message = editFailuresMessage(failures, 2);
    expect(message.split("\n")).toEqual([
      "Your edits were not applied: 4 problems. No edit was applied, so send the complete list of edits again with these fixed:",
      '- Edit 1 ("script.py"): search text "gone0" not found in "script.py"; copy it exactly from the current file',
      '- Edit 2 ("script.py"): search text "gone1" not found in "script.py"; copy it exactly from the current file',
      "- and 2 more",
    ]);
    expect(
      editFailuresMessage([
        { index: null, file_path: null, reason: "invalid_result", message: "m" },
      ]),
    ).toContain("- Result: m");
  });
});
