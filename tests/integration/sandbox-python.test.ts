import { describe, expect, inject, test } from "vitest";
import { fragment, run, signedIn, terminal } from "../support/sandbox-api";

// Python fragments in the interpreter template: real bubblewrap sandboxes behind a real Kiln.

describe.each(inject("backends"))("Python fragments on $name", ({ url }) => {
  test("a Python fragment runs: output, last expression, errors, and state kept between runs", async () => {
    const client = await signedIn(url);
    const first = await run(client, { fragment: fragment("x = 41\nprint('hello')\nx + 1") });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      template: "code-interpreter-v1",
      stdout: "hello\n",
      stderr: "",
      runtimeError: null,
      cellResults: [{ text: "42" }],
      files: ["/workspace/script.py"],
      warnings: [],
    });
    expect(first.body.sbxId).toMatch(/^sbx_/);

    const again = await run(client, { fragment: fragment("x * 2"), sbxId: first.body.sbxId });
    expect(again.body).toMatchObject({ sbxId: first.body.sbxId, cellResults: [{ text: "82" }] });

    const failing = await run(client, {
      fragment: fragment("def f():\n    return 1 / 0\nf()"),
      sbxId: first.body.sbxId,
    });
    expect(failing.body.runtimeError).toMatchObject({
      name: "ZeroDivisionError",
      value: "division by zero",
    });
    expect(failing.body.runtimeError.traceback).toContain("line 2");
  });

  test("charts come back as PNG cells, with pandas and matplotlib from the interpreter's libraries", async () => {
    const client = await signedIn(url);
    const code = [
      "import matplotlib.pyplot as plt",
      "import pandas as pd",
      "frame = pd.DataFrame({'x': [1, 2, 3], 'y': [1, 4, 9]})",
      "frame.plot(x='x', y='y')",
      "plt.show()",
      "int(frame['y'].sum())",
    ].join("\n");
    const { body } = await run(client, { fragment: fragment(code) });
    expect(body.runtimeError).toBeNull();
    expect(body.cellResults).toContainEqual({ text: "14" });
    const png = body.cellResults.find((cell: { png?: string }) => cell.png)?.png;
    expect(Buffer.from(png, "base64").subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
  });

  test("a package pip installs in the terminal can be imported by the interpreter", async () => {
    const client = await signedIn(url);
    const { body } = await run(client, { fragment: fragment("1") });
    const written = await client.fetch(`/api/sandbox/${body.sbxId}/files`, {
      method: "POST",
      json: {
        files: [
          {
            path: "kilnpkg/pyproject.toml",
            content:
              '[project]\nname = "kilnpkg"\nversion = "1.0"\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n',
          },
          { path: "kilnpkg/kilnpkg/__init__.py", content: "VALUE = 'installed'\n" },
        ],
      },
    });
    expect(written.status).toBe(200);
    // Offline, so from the local folder and with the system's setuptools.
    const installed = await terminal(client, {
      command: "pip install -q --no-build-isolation --no-index ./kilnpkg && cd / && echo ok",
      sbxId: body.sbxId,
    });
    expect(installed.body).toMatchObject({ exitCode: 0 });
    const imported = await run(client, {
      fragment: fragment("import kilnpkg\nkilnpkg.VALUE"),
      sbxId: body.sbxId,
    });
    expect(imported.body.cellResults).toEqual([{ text: "'installed'" }]);
  });

  test("new sandboxes share nothing: not state, not files", async () => {
    const client = await signedIn(url);
    const first = await run(client, {
      fragment: fragment("mine = 'a'\nopen('mine.txt', 'w').write('a')"),
    });
    for (let i = 0; i < 3; i++) {
      const next = await run(client, {
        fragment: fragment("import os\n('mine' in globals(), sorted(os.listdir('.')))"),
      });
      expect(next.body.sbxId).not.toBe(first.body.sbxId);
      expect(next.body.cellResults).toEqual([{ text: "(False, ['script.py'])" }]);
      await client.fetch(`/api/sandbox/${next.body.sbxId}`, { method: "DELETE" });
    }
  });
});
