import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { type ZipEntry, zipStream } from "./zip-stream";

// The zip is read back by another implementation (Python's zipfile): names in UTF-8, text
// deflated, random bytes stored, an empty file and an empty directory, every CRC checked.

const dir = mkdtempSync(path.join(tmpdir(), "kiln-zip-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function zipOf(entries: ZipEntry[]): Promise<string> {
  async function* each() {
    yield* entries;
  }
  const bytes = Buffer.from(await new Response(zipStream(each())).arrayBuffer());
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.zip`);
  writeFileSync(file, bytes);
  return file;
}

const readBack = (file: string) =>
  JSON.parse(
    execFileSync(
      "python3",
      [
        "-c",
        `import zipfile, json, sys, base64
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
print(json.dumps({"bad": bad, "entries": [
  {"name": i.filename, "method": i.compress_type, "size": i.file_size, "dir": i.is_dir(),
   "data": base64.b64encode(z.read(i)).decode(), "date": list(i.date_time)}
  for i in z.infolist()]}))`,
        file,
      ],
      { encoding: "utf8" },
    ),
  ) as {
    bad: string | null;
    entries: {
      name: string;
      method: number;
      size: number;
      dir: boolean;
      data: string;
      date: number[];
    }[];
  };

describe("zipStream", () => {
  test("text, binary, empty files, directories and UTF-8 names read back exactly", async () => {
    const binary = randomBytes(70_000);
    const text = "hello, zip\n".repeat(2_000);
    const modified = new Date(2026, 10, 28, 13, 45, 30);
    const file = await zipOf([
      { name: "app/", modified },
      { name: "app/index.html", data: Buffer.from(text), modified },
      { name: "app/logo.bin", data: binary, modified },
      { name: "app/empty.txt", data: new Uint8Array(), modified },
      { name: "app/naïve 名前.md", data: Buffer.from("ünïcödé"), modified },
    ]);
    const { bad, entries } = readBack(file);
    expect(bad).toBeNull();
    expect(entries.map((e) => e.name)).toEqual([
      "app/",
      "app/index.html",
      "app/logo.bin",
      "app/empty.txt",
      "app/naïve 名前.md",
    ]);
    expect(entries[0]?.dir).toBe(true);
    expect(Buffer.from(entries[1]!.data, "base64").toString()).toBe(text);
    expect(entries[1]?.method).toBe(8); // deflated: text shrinks
    expect(Buffer.from(entries[2]!.data, "base64").equals(binary)).toBe(true);
    expect(entries[2]?.method).toBe(0); // stored: random bytes do not
    expect(entries[3]?.size).toBe(0);
    expect(Buffer.from(entries[4]!.data, "base64").toString()).toBe("ünïcödé");
    expect(entries[1]?.date).toEqual([2026, 11, 28, 13, 45, 30]);
  });

  test("no entries is an empty, valid zip", async () => {
    const { bad, entries } = readBack(await zipOf([]));
    expect(bad).toBeNull();
    expect(entries).toEqual([]);
  });

  test("pulls entries only as the reader reads", async () => {
    let pulled = 0;
    async function* many() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield { name: `f${i}.txt`, data: Buffer.from(`file ${i}`), modified: new Date() };
      }
    }
    const reader = zipStream(many()).getReader();
    await reader.read();
    expect(pulled).toBeLessThan(5);
    await reader.cancel();
  });
});
