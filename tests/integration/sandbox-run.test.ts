import { describe, expect, inject, test } from "vitest";
import { fragment, readEvents, run, signedIn } from "../support/sandbox-api";

// POST /api/sandbox itself: its streamed form, what it says about packages and templates it
// cannot install, and the requests it refuses.

describe.each(inject("backends"))("running fragments on $name", ({ url }) => {
  test("the streamed form sends progress, then the result", async () => {
    const client = await signedIn(url);
    const response = await client.fetch("/api/sandbox", {
      method: "POST",
      headers: { accept: "text/event-stream" },
      json: { fragment: fragment("import sys\nprint('out')\nprint('err', file=sys.stderr)") },
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readEvents(response);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("progress");
    expect(names).toContain("stdout");
    expect(names).toContain("stderr");
    expect(events.at(-1)).toMatchObject({
      event: "result",
      data: { stdout: "out\n", stderr: "err\n" },
    });
  });

  test("without KILN_SANDBOX_INSTALL_NETWORK, extra packages are not installed and the answer says so", async () => {
    const client = await signedIn(url);
    const app = fragment("print('ran')", { additional_dependencies: ["left-pad"] });
    const { status, body } = await run(client, { fragment: app });
    expect(status).toBe(200);
    expect(body.stdout).toBe("ran\n");
    expect(body.warnings).toEqual([
      "Not installed: left-pad. This server keeps sandboxes offline (KILN_SANDBOX_INSTALL_NETWORK=off).",
    ]);
  });

  test("a template whose packages this server cannot install says so", async () => {
    const client = await signedIn(url);
    const app = fragment("import streamlit as st\nst.write('hi')", {
      template: "streamlit-developer",
      port: 8501,
      file_path: "app.py",
    });
    const { status, body } = await run(client, { fragment: app });
    expect(status).toBe(503);
    expect(body).toMatchObject({ error: true, code: "template_unavailable" });
    expect(body.message).toMatch(/streamlit/);
  });

  test.each([
    [{ fragment: fragment("1", { template: "cobol" }) }, /fragment\.template: must be one of/],
    [{ fragment: fragment("1"), sbxId: "../etc" }, /sbxId: is not a sandbox id/],
    [{ fragment: fragment("1", { file_path: "../x.py" }) }, /fragment\.file_path: must not/],
    [{}, /fragment: /],
  ])("bad input %# is a 400 naming the field", async (input, message) => {
    const client = await signedIn(url);
    const { status, body } = await run(client, input);
    expect(status).toBe(400);
    expect(body.message).toMatch(message);
  });

  test("without a session or key, sandboxes are 401", async () => {
    const response = await fetch(`${url}/api/sandbox`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fragment: fragment("1") }),
    });
    expect(response.status).toBe(401);
  });
});
