import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { crc32, zipFiles } from "./zip";

const scratch = mkdtempSync(path.join(tmpdir(), "kiln-zip-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What Python's zipfile, an independent reader, finds in the archive: names, CRC check, text. */
function readWithPython(archive: Uint8Array) {
  const file = path.join(scratch, `${Math.random().toString(36).slice(2)}.zip`);
  writeFileSync(file, archive);
  const script = [
    "import json, sys, zipfile",
    "z = zipfile.ZipFile(sys.argv[1])",
    "print(json.dumps({'bad': z.testzip(), 'files': {i.filename: z.read(i).decode('utf-8') for i in z.infolist()}, 'modes': [i.external_attr >> 16 for i in z.infolist()], 'utf8': [bool(i.flag_bits & 0x800) for i in z.infolist()]}))",
  ].join("\n");
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", script, file], { encoding: "utf8" }));
}

describe("zipFiles", () => {
  test("writes an archive that another reader opens, with every file's exact text", () => {
    const files = [
      { path: "index.html", content: "<!doctype html>\n<h1>Hello</h1>\n" },
      { path: "src/app/page.tsx", content: "export default () => <p>Grüße, 世界 🔥</p>;\n" },
      { path: "empty.txt", content: "" },
    ];
    const read = readWithPython(zipFiles(files, new Date(2026, 10, 28, 14, 30, 10)));
    expect(read.bad).toBeNull();
    expect(read.files).toEqual(Object.fromEntries(files.map((f) => [f.path, f.content])));
    expect(read.modes).toEqual([0o100644, 0o100644, 0o100644]);
    expect(read.utf8).toEqual([true, true, true]);
  });

  test("an empty list is a valid empty archive", () => {
    expect(readWithPython(zipFiles([]))).toMatchObject({ bad: null, files: {} });
  });
});

test("crc32 matches the standard check value", () => {
  expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
});
