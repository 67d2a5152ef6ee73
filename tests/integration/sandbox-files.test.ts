import { describe, expect, inject, test } from "vitest";
import { fragment, run, signedIn } from "../support/sandbox-api";

// The sandbox files API: writing, reading and listing inside /workspace, and nothing outside.

describe.each(inject("backends"))("sandbox files on $name", ({ url }) => {
  test("files: write, read, list; paths outside the workspace are refused", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    const base = `/api/sandbox/${body.sbxId}/files`;
    const written = await client.fetch(base, {
      method: "POST",
      json: { files: [{ path: "data/in.txt", content: "héllo" }] },
    });
    expect(await written.json()).toEqual({ files: ["/workspace/data/in.txt"] });
    const read = await client.fetch(`${base}?path=/workspace/data/in.txt`);
    expect(await read.json()).toEqual({
      path: "/workspace/data/in.txt",
      type: "file",
      content: "héllo",
    });
    const listed = await client.fetch(`${base}?path=data`);
    expect(await listed.json()).toMatchObject({
      path: "/workspace/data",
      type: "directory",
      entries: [{ name: "in.txt", path: "/workspace/data/in.txt", type: "file", size: 6 }],
    });
    const python = await run(client, {
      fragment: fragment("open('data/in.txt').read()"),
      sbxId: body.sbxId,
    });
    expect(python.body.cellResults).toEqual([{ text: "'héllo'" }]);

    for (const path of ["../etc/passwd", "/etc/passwd"]) {
      const response = await client.fetch(`${base}?path=${encodeURIComponent(path)}`);
      expect(response.status, path).toBe(400);
      expect((await response.json()).message).toMatch(/outside \/workspace/);
    }
    const missing = await client.fetch(`${base}?path=nope.txt`);
    expect(missing.status).toBe(404);
  });
});
