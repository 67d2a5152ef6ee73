import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { TestClient } from "../support/client";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { suiteEnv } from "./global-setup";

// The workspace files API of seed 000 (/api/files, /api/files/content, /api/files/batch) with
// Kiln's additions: binary content, versions that refuse stale writes, rename/move, size limits
// that hold under concurrent writes. Every case runs on PGlite and, with TEST_DATABASE_URL, on
// Postgres.

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies of many shapes, read field by field
type Json = Record<string, any>;

interface Node {
  name: string;
  path: string;
  isDirectory: boolean;
  version: number;
  size_bytes: number;
  children?: Node[];
}

/** The calls a client makes, each answering its status and parsed JSON body. */
function filesApi(client: TestClient) {
  const call = async (method: string, path: string, json?: unknown) => {
    const response = await client.fetch(path, { method, json });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as Json, text };
  };
  return {
    call,
    tree: (path?: string) =>
      call(
        "GET",
        path === undefined ? "/api/files" : `/api/files?path=${encodeURIComponent(path)}`,
      ),
    create: (body: Json) => call("POST", "/api/files", body),
    read: (path: string, encoding?: string) =>
      call(
        "GET",
        `/api/files/content?path=${encodeURIComponent(path)}${encoding ? `&encoding=${encoding}` : ""}`,
      ),
    save: (body: Json) => call("POST", "/api/files/content", body),
    batch: (files: Json[]) => call("POST", "/api/files/batch", { files }),
    move: (body: Json) => call("PATCH", "/api/files", body),
    remove: (path: string) => call("DELETE", "/api/files", { path }),
  };
}

/** A zip's entries as another implementation (Python's zipfile) reads them, CRCs checked. */
function unzipped(bytes: Buffer): { bad: string | null; files: Record<string, string> } {
  const dir = mkdtempSync(path.join(tmpdir(), "kiln-files-zip-"));
  try {
    const file = path.join(dir, "download.zip");
    writeFileSync(file, bytes);
    return JSON.parse(
      execFileSync(
        "python3",
        [
          "-c",
          `import zipfile, json, sys, base64
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({"bad": z.testzip(), "files": {i.filename: base64.b64encode(z.read(i)).decode() for i in z.infolist()}}))`,
          file,
        ],
        { encoding: "utf8" },
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every path in a tree, depth first, in the order the tree lists them. */
function pathsOf(nodes: Node[]): string[] {
  return nodes.flatMap((n) => [n.path, ...pathsOf(n.children ?? [])]);
}

async function signedUp(url: string) {
  const client = new TestClient(url);
  const { user } = await client.signUp();
  return { client, api: filesApi(client), userId: user.id };
}

const expectApiError = (
  result: { status: number; body: Json },
  status: number,
  message?: RegExp,
) => {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(result.body).toMatchObject({ error: true, message: expect.any(String) });
  expect(result.body).not.toHaveProperty("success");
  if (message) expect(result.body.message).toMatch(message);
};

describe.each(inject("backends"))("workspace files on $name", ({ url }) => {
  test("a new file has seed 000's fields, its directories are made, and it reads back", async () => {
    const { api, userId } = await signedUp(url);
    const created = await api.create({
      path: "src/lib/new-file.js",
      isDirectory: false,
      content: "console.log('Hello World');",
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      success: true,
      file: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        user_id: userId,
        path: "src/lib/new-file.js",
        name: "new-file.js",
        content: "console.log('Hello World');",
        encoding: "utf-8",
        is_directory: false,
        parent_path: "src/lib",
        size_bytes: 27,
        version: 1,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
    expect(new Date(created.body.file.created_at).toISOString()).toBe(created.body.file.created_at);

    const read = await api.read("src/lib/new-file.js");
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      content: "console.log('Hello World');",
      path: "src/lib/new-file.js",
      name: "new-file.js",
      encoding: "utf-8",
      version: 1,
      size_bytes: 27,
    });

    const tree = await api.tree();
    expect(tree.status).toBe(200);
    expect(tree.body).toEqual([
      {
        name: "src",
        path: "src",
        isDirectory: true,
        size_bytes: 0,
        version: 1,
        updated_at: expect.any(String),
        children: [
          {
            name: "lib",
            path: "src/lib",
            isDirectory: true,
            size_bytes: 0,
            version: 1,
            updated_at: expect.any(String),
            children: [
              {
                name: "new-file.js",
                path: "src/lib/new-file.js",
                isDirectory: false,
                size_bytes: 27,
                version: 1,
                updated_at: expect.any(String),
              },
            ],
          },
        ],
      },
    ]);
  });

  test("the tree lists directories first, each level by name, and ?path= gives one directory", async () => {
    const { api } = await signedUp(url);
    const made = await api.batch([
      { path: "b.txt", content: "b" },
      { path: "a.txt", content: "a" },
      { path: "zdir/x.txt", content: "x" },
      { path: "adir/y.txt", content: "y" },
      { path: "adir/inner", isDirectory: true },
      { path: "adir-sibling.txt", content: "s" },
    ]);
    expect(made.status, made.text).toBe(200);
    expect(pathsOf((await api.tree()).body as unknown as Node[])).toEqual([
      "adir",
      "adir/inner",
      "adir/y.txt",
      "zdir",
      "zdir/x.txt",
      "a.txt",
      "adir-sibling.txt",
      "b.txt",
    ]);
    const part = await api.tree("adir");
    expect(part.status).toBe(200);
    expect(pathsOf(part.body as unknown as Node[])).toEqual(["adir/inner", "adir/y.txt"]);
    expect((part.body as unknown as Node[])[0]!.children).toEqual([]);
    const oneFile = await api.tree("a.txt");
    expect(pathsOf(oneFile.body as unknown as Node[])).toEqual(["a.txt"]);
    expectApiError(await api.tree("nothing/here"), 404, /No file or directory at nothing\/here/);
    // An empty workspace is an empty tree, not an error.
    await expect((await signedUp(url)).api.tree().then((r) => r.body)).resolves.toEqual([]);
  });

  test("creating a path that exists, or a file inside a file, is a 409 and changes nothing", async () => {
    const { api } = await signedUp(url);
    expect((await api.create({ path: "notes.md", content: "one" })).status).toBe(201);
    expectApiError(await api.create({ path: "notes.md", content: "two" }), 409, /already exists/);
    expectApiError(await api.create({ path: "notes.md", isDirectory: true }), 409);
    expectApiError(
      await api.create({ path: "notes.md/inner.txt", content: "x" }),
      409,
      /notes\.md is a file/,
    );
    expect((await api.read("notes.md")).body.content).toBe("one");

    const dir = await api.create({ path: "assets/img", isDirectory: true });
    expect(dir.status).toBe(201);
    expect(dir.body.file).toMatchObject({ is_directory: true, content: null, size_bytes: 0 });
    expectApiError(await api.create({ path: "assets/img", isDirectory: true }), 409);
    expectApiError(await api.read("assets/img"), 400, /is a directory/);
    expectApiError(
      await api.create({ path: "d2", isDirectory: true, content: "text" }),
      400,
      /content: a directory has no content/,
    );
  });

  test("saving content raises the version; a save naming an older version is a 409", async () => {
    const { api } = await signedUp(url);
    await api.create({ path: "app.py", content: "print(1)\n" });
    const first = await api.save({ path: "app.py", content: "print(2)\n", expectedVersion: 1 });
    expect(first.status, first.text).toBe(200);
    expect(first.body.file).toMatchObject({ content: "print(2)\n", version: 2, size_bytes: 9 });

    // Another tab still holds version 1: its save is refused, and what was saved stays.
    const stale = await api.save({
      path: "app.py",
      content: "print('lost')\n",
      expectedVersion: 1,
    });
    expectApiError(stale, 409, /changed since version 1: it is at version 2 now/);
    expect((await api.read("app.py")).body).toMatchObject({ content: "print(2)\n", version: 2 });

    // Without expectedVersion a save is last-writer-wins, as in the seed.
    const blind = await api.save({ path: "app.py", content: "print(3)\n" });
    expect(blind.body.file.version).toBe(3);

    expectApiError(await api.save({ path: "missing.py", content: "x" }), 404);
    await api.create({ path: "pkg", isDirectory: true });
    expectApiError(await api.save({ path: "pkg", content: "x" }), 400, /is a directory/);
    // The create-only guard of a batch: 0 means "only while it does not exist".
    expectApiError(await api.batch([{ path: "app.py", content: "x", expectedVersion: 0 }]), 409);
  });

  test("two saves against the same version at the same instant: exactly one wins", async () => {
    const { api } = await signedUp(url);
    await api.create({ path: "race.txt", content: "start" });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api.save({ path: "race.txt", content: `writer ${i}`, expectedVersion: 1 }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    const winner = results.find((r) => r.status === 200)!;
    expect((await api.read("race.txt")).body).toMatchObject({
      content: winner.body.file.content,
      version: 2,
    });
  });

  test("binary content: every byte value round-trips through base64, by itself and in a batch", async () => {
    const { api } = await signedUp(url);
    const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    const base64 = bytes.toString("base64");
    const created = await api.create({ path: "bin/all.bin", content: base64, encoding: "base64" });
    expect(created.status, created.text).toBe(201);
    expect(created.body.file).toMatchObject({
      encoding: "base64",
      size_bytes: 512,
      content: base64,
    });
    const read = await api.read("bin/all.bin");
    expect(read.body.encoding).toBe("base64");
    expect(Buffer.from(read.body.content, "base64").equals(bytes)).toBe(true);
    // These bytes are no UTF-8 text: asking for them as text is refused, not mangled.
    expectApiError(await api.read("bin/all.bin", "utf-8"), 400, /encoding=base64/);

    const reversed = Buffer.from(bytes).reverse();
    const batch = await api.batch([
      { path: "bin/reversed.bin", content: reversed.toString("base64"), encoding: "base64" },
      { path: "bin/text.txt", content: "héllo ✓" },
    ]);
    expect(batch.status, batch.text).toBe(200);
    const back = await api.read("bin/reversed.bin");
    expect(Buffer.from(back.body.content, "base64").equals(reversed)).toBe(true);
    // Text read as base64 is its UTF-8 bytes; size_bytes counts bytes, not characters.
    const text = await api.read("bin/text.txt", "base64");
    expect(Buffer.from(text.body.content, "base64").toString("utf8")).toBe("héllo ✓");
    expect(text.body.size_bytes).toBe(Buffer.byteLength("héllo ✓"));

    // A save may switch a file between text and bytes.
    const saved = await api.save({ path: "bin/text.txt", content: "AP8=", encoding: "base64" });
    expect(saved.body.file).toMatchObject({ encoding: "base64", size_bytes: 2, version: 2 });
    expect((await api.read("bin/text.txt")).body.content).toBe("AP8=");

    expectApiError(
      await api.create({ path: "bad.bin", content: "not base64!", encoding: "base64" }),
      400,
      /content: is not valid base64/,
    );
    expectApiError(await api.create({ path: "bad.bin", content: "x", encoding: "latin1" }), 400);
    expectApiError(
      await api.create({ path: "lone.txt", content: "a\ud800b" }),
      400,
      /content: is not well-formed Unicode/,
    );
  });

  test("DELETE removes a directory and everything below it, and nothing beside it", async () => {
    const { api } = await signedUp(url);
    await api.batch([
      { path: "src/a.js", content: "a" },
      { path: "src/deep/b.js", content: "b" },
      { path: "src-old/c.js", content: "c" },
      { path: "src.txt", content: "d" },
    ]);
    const removed = await api.remove("src");
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ success: true, deleted: 4 });
    expect(pathsOf((await api.tree()).body as unknown as Node[])).toEqual([
      "src-old",
      "src-old/c.js",
      "src.txt",
    ]);
    expectApiError(await api.read("src/deep/b.js"), 404);
    expectApiError(await api.remove("src"), 404);
    expect((await api.remove("src.txt")).body).toEqual({ success: true, deleted: 1 });
    // The path can be used again, from version 1.
    expect((await api.create({ path: "src/a.js", content: "again" })).body.file.version).toBe(1);
  });

  test("PATCH renames a file and moves a directory with its children", async () => {
    const { api } = await signedUp(url);
    await api.batch([
      { path: "old/readme.md", content: "# hi" },
      { path: "old/lib/util.ts", content: "export {}" },
      { path: "old-keep/x.ts", content: "x" },
      { path: "file.txt", content: "f" },
    ]);
    const renamed = await api.move({ from: "file.txt", to: "docs/renamed.txt" });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({
      success: true,
      moved: 1,
      file: { path: "docs/renamed.txt", name: "renamed.txt", parent_path: "docs", version: 2 },
    });
    expect((await api.read("docs/renamed.txt")).body.content).toBe("f");
    expectApiError(await api.read("file.txt"), 404);

    const moved = await api.move({ from: "old", to: "new/place" });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ moved: 4, file: { path: "new/place", is_directory: true } });
    expect(pathsOf((await api.tree()).body as unknown as Node[])).toEqual([
      "docs",
      "docs/renamed.txt",
      "new",
      "new/place",
      "new/place/lib",
      "new/place/lib/util.ts",
      "new/place/readme.md",
      "old-keep",
      "old-keep/x.ts",
    ]);
    const util = await api.read("new/place/lib/util.ts");
    expect(util.body).toMatchObject({ content: "export {}", name: "util.ts" });
    const subtree = (await api.tree("new/place/lib")).body as unknown as Node[];
    expect(subtree.map((n) => n.path)).toEqual(["new/place/lib/util.ts"]);

    expectApiError(await api.move({ from: "new/place", to: "old-keep" }), 409, /already exists/);
    expectApiError(await api.move({ from: "new", to: "new/place/inside" }), 400, /inside itself/);
    expectApiError(await api.move({ from: "nothing", to: "x" }), 404);
    expectApiError(
      await api.move({ from: "old-keep", to: "docs/renamed.txt/y" }),
      409,
      /is a file/,
    );
    expectApiError(
      await api.move({ from: "docs/renamed.txt", to: "docs/r2.txt", expectedVersion: 1 }),
      409,
      /at version 2 now/,
    );
    expectApiError(await api.move({ from: "docs", to: "./docs/" }), 400);
  });

  test("a batch of 1,000 files is written at once, and replaces what was there", async () => {
    const { api } = await signedUp(url);
    const files = Array.from({ length: 1000 }, (_, i) => ({
      path: `pkg${i % 10}/file-${String(i).padStart(4, "0")}.txt`,
      content: `file ${i}\n`,
    }));
    const written = await api.batch(files);
    expect(written.status, written.text.slice(0, 300)).toBe(200);
    expect(written.body.files).toHaveLength(1000);
    expect(written.body.files[0]).toMatchObject({
      path: files[0]!.path,
      version: 1,
      size_bytes: 7,
    });
    expect(written.body.files[0]).not.toHaveProperty("content");
    const tree = (await api.tree()).body as unknown as Node[];
    expect(pathsOf(tree)).toHaveLength(1010);
    expect((await api.read("pkg7/file-0997.txt")).body.content).toBe("file 997\n");

    const again = await api.batch([
      { path: "pkg7/file-0997.txt", content: "changed", expectedVersion: 1 },
      { path: "pkg7", isDirectory: true },
    ]);
    expect(again.status, again.text).toBe(200);
    expect(again.body.files.map((f: Json) => [f.path, f.version])).toEqual([
      ["pkg7/file-0997.txt", 2],
      ["pkg7", 1],
    ]);
    expectApiError(
      await api.batch(Array.from({ length: 1001 }, (_, i) => ({ path: `x${i}`, content: "" }))),
      400,
      /files: must list at most 1000 files/,
    );
    expectApiError(await api.batch([]), 400, /at least one file/);
  });

  test("a batch with one bad file writes nothing", async () => {
    const { api } = await signedUp(url);
    await api.create({ path: "keep.txt", content: "v1" });
    await api.save({ path: "keep.txt", content: "v2" });
    const good = Array.from({ length: 50 }, (_, i) => ({ path: `good/f${i}.txt`, content: "ok" }));
    const attempts: [Json, number, RegExp][] = [
      [
        { path: "../escape.txt", content: "x" },
        400,
        /^files\.50\.path: must not contain ".." parts/,
      ],
      [{ path: "keep.txt", content: "x", expectedVersion: 1 }, 409, /keep\.txt changed since/],
      [{ path: "keep.txt/inner", content: "x" }, 409, /keep\.txt is a file/],
      [{ path: "good/f3.txt", content: "dup" }, 400, /good\/f3\.txt is listed twice/],
      [{ path: "good", content: "a file named like the directory" }, 400, /is written as a file/],
      [{ path: "b.bin", content: "%%%", encoding: "base64" }, 400, /files\.50\.content/],
    ];
    for (const [bad, status, message] of attempts) {
      expectApiError(await api.batch([...good, bad]), status, message);
      expect(pathsOf((await api.tree()).body as unknown as Node[])).toEqual(["keep.txt"]);
    }
    expect((await api.read("keep.txt")).body).toMatchObject({ content: "v2", version: 2 });
  });

  test("paths are normalised, and unsafe ones are a 400 naming the field", async () => {
    const { api } = await signedUp(url);
    const created = await api.create({ path: "./src//x.js/", content: "1" });
    expect(created.body.file.path).toBe("src/x.js");
    expect((await api.read("src/./x.js")).body.content).toBe("1");
    // é composed and decomposed name one file.
    await api.create({ path: "caf\u00e9.md", content: "nfc" });
    expect((await api.read("cafe\u0301.md")).body.content).toBe("nfc");

    const unsafe: [string, RegExp][] = [
      ["../outside.txt", /must not contain "\.\." parts/],
      ["src/../../x", /must not contain "\.\." parts/],
      ["/etc/passwd", /not absolute/],
      ["src\\win.txt", /backslashes/],
      ["a\u0001b", /control characters/],
      [`${"n".repeat(256)}.txt`, /longer than 255 bytes/],
      [".", /not the workspace root/],
    ];
    for (const [path, message] of unsafe) {
      expectApiError(
        await api.create({ path, content: "x" }),
        400,
        new RegExp(`^path: .*${message.source}`),
      );
      expectApiError(await api.read(path), 400, new RegExp(`^path: .*${message.source}`));
      expectApiError(
        await api.move({ from: "src/x.js", to: path }),
        400,
        new RegExp(`^to: .*${message.source}`),
      );
      expectApiError(await api.remove(path), 400);
    }
    // NUL in a JSON string and in the query are refused before any rule is applied.
    expectApiError(
      await api.create({ path: "a\u0000b", content: "x" }),
      400,
      /^path: must not contain NUL characters/,
    );
    expectApiError(
      await api.call("GET", "/api/files/content?path=a%00b"),
      400,
      /^path: must not contain NUL/,
    );
    expect(pathsOf((await api.tree()).body as unknown as Node[])).toEqual([
      "src",
      "src/x.js",
      "café.md",
    ]);
  });

  test("another user's files are invisible: 404 on every endpoint, and the same path is theirs alone", async () => {
    const owner = await signedUp(url);
    const stranger = await signedUp(url);
    await owner.api.batch([
      { path: "secret/plan.md", content: "mine" },
      { path: "secret/key.bin", content: "AAEC", encoding: "base64" },
    ]);
    expect(await stranger.api.tree().then((r) => r.body)).toEqual([]);
    expectApiError(await stranger.api.tree("secret"), 404);
    expectApiError(await stranger.api.read("secret/plan.md"), 404);
    expectApiError(await stranger.api.save({ path: "secret/plan.md", content: "theirs" }), 404);
    expectApiError(await stranger.api.remove("secret"), 404);
    expectApiError(await stranger.api.move({ from: "secret", to: "stolen" }), 404);
    // Their own file at the same path is another file.
    const theirs = await stranger.api.create({ path: "secret/plan.md", content: "theirs" });
    expect(theirs.status).toBe(201);
    expect(
      await stranger.api.batch([{ path: "secret/plan.md", content: "theirs 2" }]),
    ).toMatchObject({
      status: 200,
    });
    expect((await owner.api.read("secret/plan.md")).body).toMatchObject({
      content: "mine",
      version: 1,
    });
    expect(pathsOf((await owner.api.tree()).body as unknown as Node[])).toEqual([
      "secret",
      "secret/key.bin",
      "secret/plan.md",
    ]);
  });

  test("a zip of the workspace or of a folder: every file byte for byte, empty folders kept", async () => {
    const { client, api } = await signedUp(url);
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(
      (
        await api.batch([
          { path: "site/index.html", content: "<h1>Hi</h1>" },
          { path: "site/img/logo.png", content: bytes.toString("base64"), encoding: "base64" },
          { path: "site/empty", isDirectory: true },
          { path: "notes/名前.md", content: "ünïcödé" },
        ])
      ).status,
    ).toBe(200);
    const download = async (query: string) => {
      const response = await client.fetch(`/api/files/zip${query}`);
      return { response, bytes: Buffer.from(await response.arrayBuffer()) };
    };

    const whole = await download("");
    expect(whole.response.status).toBe(200);
    expect(whole.response.headers.get("content-type")).toBe("application/zip");
    expect(whole.response.headers.get("content-disposition")).toBe(
      'attachment; filename="workspace.zip"',
    );
    const all = unzipped(whole.bytes);
    expect(all.bad).toBeNull();
    expect(Object.keys(all.files)).toEqual([
      "workspace/",
      "workspace/notes/",
      "workspace/notes/名前.md",
      "workspace/site/",
      "workspace/site/empty/",
      "workspace/site/img/",
      "workspace/site/img/logo.png",
      "workspace/site/index.html",
    ]);
    expect(Buffer.from(all.files["workspace/site/img/logo.png"]!, "base64").equals(bytes)).toBe(
      true,
    );
    expect(Buffer.from(all.files["workspace/notes/名前.md"]!, "base64").toString()).toBe("ünïcödé");

    const folder = await download("?path=site/img");
    expect(folder.response.headers.get("content-disposition")).toBe(
      'attachment; filename="img.zip"',
    );
    expect(Object.keys(unzipped(folder.bytes).files)).toEqual(["img/", "img/logo.png"]);
    const single = await download(`?path=${encodeURIComponent("notes/名前.md")}`);
    expect(single.response.headers.get("content-disposition")).toBe(
      "attachment; filename=\"__.zip\"; filename*=UTF-8''%E5%90%8D%E5%89%8D.zip",
    );
    expect(Object.keys(unzipped(single.bytes).files)).toEqual(["名前/", "名前/名前.md"]);

    // Nothing there, someone else's folder, unsafe paths, no credentials: never a zip.
    expectApiError(await api.call("GET", "/api/files/zip?path=missing"), 404);
    const stranger = await signedUp(url);
    expectApiError(await stranger.api.call("GET", "/api/files/zip?path=site"), 404);
    const empty = Buffer.from(await (await stranger.client.fetch("/api/files/zip")).arrayBuffer());
    expect(Object.keys(unzipped(empty).files)).toEqual(["workspace/"]);
    for (const bad of ["../etc", "/etc", "a%00b", "a\\b"]) {
      expectApiError(await api.call("GET", `/api/files/zip?path=${bad}`), 400);
    }
    expectApiError(await api.call("GET", "/api/files/zip?path=site&extra=1"), 400);
    // Broken %-encoding decodes to U+FFFD, a path like any other: nothing there.
    expectApiError(await api.call("GET", "/api/files/zip?path=%E0%A4%A"), 404);
    expectApiError(await filesApi(new TestClient(url)).call("GET", "/api/files/zip"), 401);
  });

  test("no credentials is a 401 on every endpoint; an API key works as the browser does", async () => {
    const anonymous = filesApi(new TestClient(url));
    for (const result of [
      await anonymous.tree(),
      await anonymous.create({ path: "a.txt", content: "x" }),
      await anonymous.read("a.txt"),
      await anonymous.save({ path: "a.txt", content: "x" }),
      await anonymous.batch([{ path: "a.txt", content: "x" }]),
      await anonymous.move({ from: "a.txt", to: "b.txt" }),
      await anonymous.remove("a.txt"),
    ]) {
      expectApiError(result, 401, /Authentication required/);
    }

    const { client } = await signedUp(url);
    const { key } = await client.createApiKey();
    const script = filesApi(new TestClient(url, { authorization: `Bearer ${key}` }));
    expect((await script.create({ path: "from-script.txt", content: "hi" })).status).toBe(201);
    expect((await filesApi(client).read("from-script.txt")).body.content).toBe("hi");
  });

  test("a cookie write from another site is a 403 and writes nothing", async () => {
    const { client, api } = await signedUp(url);
    await api.create({ path: "page.html", content: "<h1>mine</h1>" });
    const attempts: [string, string, Json, Record<string, string>][] = [
      [
        "POST",
        "/api/files",
        { path: "evil.txt", content: "x" },
        { origin: "https://evil.example" },
      ],
      [
        "POST",
        "/api/files/content",
        { path: "page.html", content: "pwned" },
        { "sec-fetch-site": "cross-site" },
      ],
      [
        "POST",
        "/api/files/batch",
        { files: [{ path: "evil.txt", content: "x" }] },
        { origin: "null" },
      ],
      [
        "PATCH",
        "/api/files",
        { from: "page.html", to: "moved.html" },
        { origin: "https://evil.example" },
      ],
      ["DELETE", "/api/files", { path: "page.html" }, { "sec-fetch-site": "same-site" }],
    ];
    for (const [method, path, json, headers] of attempts) {
      const response = await client.fetch(path, { method, json, headers });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await response.json()).toMatchObject({ error: true });
    }
    // None of them changed anything.
    expect(pathsOf((await api.tree()).body as unknown as Node[])).toEqual(["page.html"]);
    expect((await api.read("page.html")).body).toMatchObject({
      content: "<h1>mine</h1>",
      version: 1,
    });
  });

  test("malformed requests are 4xx in /api's shape: bad JSON, unknown fields, broken %-encoding", async () => {
    const { client, api } = await signedUp(url);
    const badJson = await client.fetch("/api/files", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"path": "a.txt", "content": ',
    });
    expectApiError(
      { status: badJson.status, body: await badJson.json() },
      400,
      /Malformed JSON in request body/,
    );
    expectApiError(
      await api.save({ path: "a.txt", content: "x", expectedVerison: 1 }),
      400,
      /expectedVerison/,
    );
    expectApiError(await api.call("GET", "/api/files?path=a&extra=1"), 400, /extra/);
    expectApiError(await api.batch("not a list" as unknown as Json[]), 400, /^files: /);
    expectApiError(
      await api.save({ path: "a.txt", content: "x", expectedVersion: 1.5 }),
      400,
      /whole number/,
    );
    // Broken %-encoding: in the query it decodes to no file; in the path it is refused.
    const brokenQuery = await api.call("GET", "/api/files/content?path=%E0%A4%A");
    expect(brokenQuery.status).toBe(404);
    expect(brokenQuery.body.error).toBe(true);
    for (const target of [
      "/api/files/%E0%A4%A",
      "/api/files/content/%zz",
      "/api/files/batch/%ff",
    ]) {
      const response = await client.fetch(target, { method: "POST", json: {} });
      expect(response.status, target).toBe(400);
      expect(await response.json()).toMatchObject({ error: true });
    }
    const wrongMethod = await client.fetch("/api/files/batch");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST, OPTIONS");
  });
});

// Size limits with a Kiln of their own, set small: per file, per user (also when writers race
// each other), and per batch body.
const backends = [
  { name: "pglite", databaseUrl: undefined as string | undefined },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: "postgres", databaseUrl: process.env.TEST_DATABASE_URL }]
    : []),
];

describe.each(backends)("workspace size limits on $name", ({ databaseUrl }) => {
  const fileLimit = 2000;
  const userLimit = 5000;
  let kiln: KilnServer;
  beforeAll(async () => {
    kiln = await startKiln({
      env: {
        ...suiteEnv,
        DATABASE_URL: databaseUrl,
        KILN_FILES_MAX_FILE_BYTES: String(fileLimit),
        KILN_FILES_MAX_USER_BYTES: String(userLimit),
        KILN_FILES_MAX_BATCH_BYTES: "20000",
      },
    });
  });
  afterAll(async () => {
    await kiln?.stop();
  });

  const used = async (api: ReturnType<typeof filesApi>) => {
    const sum = (nodes: Node[]): number =>
      nodes.reduce((total, n) => total + n.size_bytes + sum(n.children ?? []), 0);
    return sum((await api.tree()).body as unknown as Node[]);
  };

  test("a file over the per-file limit is a 413; one at the limit is fine", async () => {
    const { api } = await signedUp(kiln.url);
    expect((await api.create({ path: "max.txt", content: "a".repeat(fileLimit) })).status).toBe(
      201,
    );
    expectApiError(
      await api.create({ path: "over.txt", content: "a".repeat(fileLimit + 1) }),
      413,
      /over\.txt is 2001 bytes; a file may have at most 2000/,
    );
    const overBytes = Buffer.alloc(fileLimit + 1, 7).toString("base64");
    expectApiError(
      await api.create({ path: "over.bin", content: overBytes, encoding: "base64" }),
      413,
    );
    // Characters are not bytes: 1,000 two-byte characters are 2,000 bytes, 1,001 are over.
    expect((await api.save({ path: "max.txt", content: "é".repeat(1000) })).status).toBe(200);
    expectApiError(await api.save({ path: "max.txt", content: "é".repeat(1001) }), 413);
    expect((await api.read("max.txt")).body.content).toBe("é".repeat(1000));
  });

  test("writes past the per-user limit are a 413 and write nothing, a batch included", async () => {
    const { api } = await signedUp(kiln.url);
    const chunk = (n: number) => "x".repeat(n);
    for (let i = 0; i < 2; i++) {
      expect((await api.create({ path: `f${i}.txt`, content: chunk(2000) })).status).toBe(201);
    }
    expectApiError(
      await api.create({ path: "f2.txt", content: chunk(1001) }),
      413,
      /workspace 5001 bytes; it may hold at most 5000/,
    );
    expectApiError(
      await api.batch([
        { path: "g1.txt", content: chunk(500) },
        { path: "g2.txt", content: chunk(501) },
      ]),
      413,
    );
    expect(await used(api)).toBe(4000);
    // Replacing a file counts its new size, not both: 2,000 → 1,000 makes room for 2,000 more.
    expect((await api.save({ path: "f0.txt", content: chunk(1000) })).status).toBe(200);
    expect((await api.create({ path: "f2.txt", content: chunk(2000) })).status).toBe(201);
    expect(await used(api)).toBe(5000);
    // Deleting makes room again.
    await api.remove("f1.txt");
    expect((await api.create({ path: "f3.txt", content: chunk(2000) })).status).toBe(201);
    // A move changes no size: the workspace is exactly full before and after it.
    expect((await api.move({ from: "f3.txt", to: "moved/f3.txt" })).status).toBe(200);
    expectApiError(await api.create({ path: "one-more.txt", content: "1" }), 413);
    expect((await api.create({ path: "empty.txt", content: "" })).status).toBe(201);
    expect(await used(api)).toBe(5000);
  });

  test("concurrent writers cannot together pass the per-user limit", async () => {
    // Rounds of ten writers of 1,500 bytes each against a limit of 5,000: at most three fit.
    // Batches of many small files keep each transaction open long enough for the others to
    // overlap it.
    for (let round = 0; round < 3; round++) {
      const { api } = await signedUp(kiln.url);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i === 0
            ? api.create({ path: `w${i}.txt`, content: "y".repeat(1500) })
            : api.batch(
                Array.from({ length: 100 }, (_, k) => ({
                  path: `w${i}/f${k}.txt`,
                  content: "y".repeat(15),
                })),
              ),
        ),
      );
      const statuses = results.map((r) => r.status);
      expect(
        statuses.filter((s) => s === 200 || s === 201),
        String(statuses),
      ).toHaveLength(3);
      expect(
        statuses.filter((s) => s === 413),
        String(statuses),
      ).toHaveLength(7);
      expect(await used(api)).toBe(4500);
    }
  });

  test("a request body over the batch limit is a 413 before anything is read into files", async () => {
    const { api } = await signedUp(kiln.url);
    const files = Array.from({ length: 20 }, (_, i) => ({
      path: `big/${i}.txt`,
      content: "z".repeat(1000),
    }));
    expectApiError(await api.batch(files), 413, /larger than 20000 bytes/);
    expect(await api.tree().then((r) => r.body)).toEqual([]);
  });
});
