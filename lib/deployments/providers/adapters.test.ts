import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { KilnError } from "@/lib/errors";
import { importWithEnv } from "@/tests/support/env";
import { type FakeNetlify, startFakeNetlify } from "@/tests/support/fake-netlify";
import { type FakeVercel, startFakeVercel } from "@/tests/support/fake-vercel";
import type { DeployFile } from "./remote-adapter";

// The Vercel and Netlify adapters against local fakes of their REST APIs: files Vercel lost are
// uploaded again when it lists them missing; Netlify is sent only the digests it asks for, so a
// second deploy of the same tree uploads nothing; states map to ready and error; removal of
// something already gone is fine; and nothing waits past KILN_DEPLOY_PROVIDER_TIMEOUT_MS.

type Vercel = typeof import("../vercel/vercel-adapter");
type Netlify = typeof import("../netlify/netlify-adapter");

const file = (path: string, content: string | Buffer): DeployFile => {
  const bytes = Buffer.from(content);
  return { path, bytes, sha1: createHash("sha1").update(bytes).digest("hex") };
};
const files = [
  file("index.html", "<h1>hi</h1>\n"),
  file("a b/c%d.bin", Buffer.from([0, 1, 2, 255])),
  file("copy.html", "<h1>hi</h1>\n"),
];
const access = { token: "adapter-token-0123456789", teamId: undefined };
const quiet = () => {};

let vercel: FakeVercel;
let netlify: FakeNetlify;
const env = () => ({
  VERCEL_API_URL: vercel.url,
  NETLIFY_API_URL: netlify.url,
  KILN_DEPLOY_PROVIDER_TIMEOUT_MS: "300",
});

beforeAll(async () => {
  vercel = await startFakeVercel({ readyAfterPolls: 1 });
  netlify = await startFakeNetlify({ readyAfterPolls: 1 });
  vercel.addToken(access.token);
  netlify.addToken(access.token);
});
afterAll(async () => {
  await vercel?.close();
  await netlify?.close();
});

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as KilnError;
  }
  throw new Error("expected a refusal");
};

describe("Vercel", () => {
  test("files Vercel no longer has are uploaded again when it lists them missing", async () => {
    const { vercelAdapter } = await importWithEnv<Vercel>(
      "@/lib/deployments/vercel/vercel-adapter",
      env(),
    );
    vercel.options.forgetUploads = true;
    const lines: string[] = [];
    const started = await vercelAdapter.start({
      access,
      name: "app",
      files,
      onProgress: (line) => lines.push(line),
    });
    expect(lines).toContain("Vercel asked for 2 files again\n");
    const remote = vercel.deployments.get(started.remoteId)!;
    expect([...remote.files.keys()].sort()).toEqual(["a b/c%d.bin", "copy.html", "index.html"]);
    expect(remote.files.get("a b/c%d.bin")).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(await vercelAdapter.status({ access, remoteId: started.remoteId })).toEqual({
      state: "ready",
      url: started.url,
    });
    await vercelAdapter.remove({ access, remoteId: started.remoteId, siteId: null });
    // Gone already: still fine.
    await vercelAdapter.remove({ access, remoteId: started.remoteId, siteId: null });
    expect(await vercelAdapter.status({ access, remoteId: started.remoteId })).toEqual({
      state: "error",
      message: "Vercel no longer has this deployment",
    });
  });

  test("a provider that never answers is a 502 after the call's deadline", async () => {
    const { vercelAdapter } = await importWithEnv<Vercel>(
      "@/lib/deployments/vercel/vercel-adapter",
      env(),
    );
    vercel.network.mode = "hang";
    try {
      const begun = Date.now();
      const error = await failure(vercelAdapter.status({ access, remoteId: "dpl_x" }));
      expect(Date.now() - begun).toBeLessThan(2_000);
      expect(error).toMatchObject({ code: "BAD_GATEWAY", reason: "provider_unreachable" });
      expect(error.message).toBe(
        "Vercel did not answer within 0.3 s (report the deployment's state)",
      );
    } finally {
      vercel.network.mode = "answer";
    }
  });
});

describe("Netlify", () => {
  test("only required digests are uploaded, once each; the same tree again uploads nothing", async () => {
    const { netlifyAdapter } = await importWithEnv<Netlify>(
      "@/lib/deployments/netlify/netlify-adapter",
      env(),
    );
    const puts = () => netlify.requests.filter((r) => r.method === "PUT").length;
    const before = puts();
    const first = await netlifyAdapter.start({
      access,
      name: "first-abc",
      files,
      onProgress: quiet,
    });
    expect(puts() - before).toBe(2);
    const deploy = netlify.deploys.get(first.remoteId)!;
    expect([...deploy.digests.keys()].sort()).toEqual([
      "/a b/c%d.bin",
      "/copy.html",
      "/index.html",
    ]);
    expect(deploy.files.get("a b/c%d.bin")).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(first.url).toBe("https://first-abc.netlify.app");

    const second = await netlifyAdapter.start({
      access,
      name: "second-abc",
      files,
      onProgress: quiet,
    });
    expect(puts() - before).toBe(2);
    expect(await netlifyAdapter.status({ access, remoteId: second.remoteId })).toEqual({
      state: "ready",
      url: "https://second-abc.netlify.app",
    });
    await netlifyAdapter.remove({ access, remoteId: second.remoteId, siteId: second.siteId });
    expect(netlify.sites.get(second.siteId!)!.deleted).toBe(true);
  });

  test("a failed deploy is an error with Netlify's reason; a refused token names Settings", async () => {
    const { netlifyAdapter } = await importWithEnv<Netlify>(
      "@/lib/deployments/netlify/netlify-adapter",
      env(),
    );
    netlify.options.failDeployWith = "Build script returned non-zero exit code: 2";
    try {
      const started = await netlifyAdapter.start({
        access,
        name: "fails-abc",
        files,
        onProgress: quiet,
      });
      expect(await netlifyAdapter.status({ access, remoteId: started.remoteId })).toEqual({
        state: "error",
        message: "Netlify's deploy failed: Build script returned non-zero exit code: 2",
      });
    } finally {
      delete netlify.options.failDeployWith;
    }
    const refused = await failure(
      netlifyAdapter.start({
        access: { token: "wrong", teamId: undefined },
        name: "x-abc",
        files,
        onProgress: quiet,
      }),
    );
    expect(refused).toMatchObject({ code: "VALIDATION_ERROR", reason: "provider_token_refused" });
    expect(refused.message).toBe(
      "Netlify refused your token (401: Access Denied: Invalid token): check your Netlify token in Settings",
    );
  });
});
