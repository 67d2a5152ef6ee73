import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { KilnError } from "@/lib/errors";
import { importWithEnv } from "@/tests/support/env";
import { type FakeGithub, startFakeGithub } from "@/tests/support/fake-github";
import { tarball } from "@/tests/support/fake-github-git";

// Import from and push to GitHub against the fake GitHub over HTTP: a consistent tree at one
// commit with binary files intact, the download's redirect followed without the user's token,
// hostile archives, the size and file caps (a compressed bomb included); a push as one commit
// on a new or existing branch with a pull request, refused writes, and two racing pushes of
// which the loser is refused rather than overwriting the winner.

type Importer = typeof import("./import-repository");
type Pusher = typeof import("./push-files");

const token = "ghp_importPushToken000000000000000";
const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

let github: FakeGithub;
beforeAll(async () => {
  github = await startFakeGithub({ prefix: "/api/v3" });
  github.addUser({ login: "ada" });
  github.addUser({ login: "reader" });
  github.addToken(token, "ada");
  github.addToken("ghp_readerToken0000000000000000000", "reader");
  github.addGitRepo({
    owner: "ada",
    name: "app",
    files: {
      "README.md": "# App\n",
      "src/index.ts": "export const answer = 42;\n",
      "assets/logo.bin": everyByte,
      "docs/guide/intro.md": "Intro\n",
    },
  });
});
afterAll(async () => {
  await github?.close();
});

const load = <T>(module: string, env: Record<string, string> = {}) =>
  importWithEnv<T>(module, { GITHUB_API_URL: github.url, ...env });

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as KilnError;
  }
  throw new Error("expected a refusal");
};

describe("importRepository", () => {
  test("the default branch's files at one commit, binary intact, the download without the token", async () => {
    const { importRepository } = await load<Importer>("@/lib/github/import-repository");
    const seen = github.requests.length;
    const imported = await importRepository({ token, owner: "ada", repo: "app" });
    expect(imported.ref).toBe("main");
    expect(imported.commitSha).toMatch(/^[0-9a-f]{40}$/);
    expect(Object.fromEntries(imported.files.map((f) => [f.path, f.content]))).toEqual({
      "README.md": Buffer.from("# App\n"),
      "src/index.ts": Buffer.from("export const answer = 42;\n"),
      "assets/logo.bin": everyByte,
      "docs/guide/intro.md": Buffer.from("Intro\n"),
    });
    expect(imported.skipped).toEqual([]);
    const download = github.requests.slice(seen).find((r) => r.path.startsWith("/_codeload/"));
    expect(download).toBeDefined();
    expect(download?.authorization).toBeUndefined();
  });

  test("one folder, its files relative to it; a missing folder is a 404", async () => {
    const { importRepository } = await load<Importer>("@/lib/github/import-repository");
    const imported = await importRepository({ token, owner: "ada", repo: "app", folder: "docs" });
    expect(imported.files.map((f) => f.path)).toEqual(["guide/intro.md"]);
    const missing = await failure(
      importRepository({ token, owner: "ada", repo: "app", folder: "nope" }),
    );
    expect(missing.code).toBe("NOT_FOUND");
    const climbing = await failure(
      importRepository({ token, owner: "ada", repo: "app", folder: "../x" }),
    );
    expect(climbing.code).toBe("VALIDATION_ERROR");
  });

  test("a hostile archive: nothing climbs out, no link is kept, each skip says why", async () => {
    github.addGitRepo({ owner: "ada", name: "hostile", files: { "x.txt": "x" } });
    github.setArchive(
      "ada/hostile",
      tarball([
        { path: "ada-hostile-1234567/", type: "Directory" },
        { path: "ada-hostile-1234567/ok.txt", content: "fine" },
        { path: "ada-hostile-1234567/../../escape.txt", content: "out" },
        { path: "ada-hostile-1234567/.git/config", content: "[core]" },
        { path: "ada-hostile-1234567/back\\slash.txt", content: "b" },
        { path: "ada-hostile-1234567/passwd", type: "SymbolicLink", linkpath: "/etc/passwd" },
        { path: "ada-hostile-1234567/hard", type: "Link", linkpath: "ada-hostile-1234567/ok.txt" },
      ]),
    );
    const { importRepository } = await load<Importer>("@/lib/github/import-repository");
    const imported = await importRepository({ token, owner: "ada", repo: "hostile" });
    expect(imported.files).toEqual([{ path: "ok.txt", content: Buffer.from("fine") }]);
    expect(imported.skipped).toEqual([
      { path: "../../escape.txt", reason: "it climbs out of the repository" },
      { path: ".git/config", reason: "it is inside .git" },
      { path: "back\\slash.txt", reason: "its name holds control characters or a backslash" },
      { path: "passwd", reason: "it is a link; links are not imported" },
      { path: "hard", reason: "it is a link; links are not imported" },
    ]);
  });

  test("the caps: too many files, too many bytes, and a compressed bomb stop with a 413", async () => {
    github.addGitRepo({
      owner: "ada",
      name: "many",
      files: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`f${i}.txt`, "x"])),
    });
    const few = await load<Importer>("@/lib/github/import-repository", {
      KILN_GITHUB_IMPORT_MAX_FILES: "3",
    });
    const tooMany = await failure(few.importRepository({ token, owner: "ada", repo: "many" }));
    expect([tooMany.code, tooMany.message]).toEqual([
      "PAYLOAD_TOO_LARGE",
      "ada/many has more than the 3 files an import may bring in; import one folder of it",
    ]);

    github.addGitRepo({ owner: "ada", name: "bomb", files: { "a.txt": "a" } });
    // 64 MB of zeros, compressed to about 64 KB.
    github.setArchive(
      "ada/bomb",
      tarball([
        { path: "ada-bomb-1234567/", type: "Directory" },
        { path: "ada-bomb-1234567/zeros.bin", content: Buffer.alloc(64 * 1024 * 1024) },
      ]),
    );
    const small = await load<Importer>("@/lib/github/import-repository", {
      KILN_GITHUB_IMPORT_MAX_MB: "1",
    });
    const bomb = await failure(small.importRepository({ token, owner: "ada", repo: "bomb" }));
    expect(bomb.code).toBe("PAYLOAD_TOO_LARGE");
    expect(bomb.message).toContain("larger than the 1 MB");
  });

  test("a missing repository, an unknown ref and a broken archive are clear refusals", async () => {
    const { importRepository } = await load<Importer>("@/lib/github/import-repository");
    expect((await failure(importRepository({ token, owner: "ada", repo: "none" }))).code).toBe(
      "NOT_FOUND",
    );
    expect(
      (await failure(importRepository({ token, owner: "ada", repo: "app", ref: "no-such-branch" })))
        .code,
    ).toBe("VALIDATION_ERROR");
    github.addGitRepo({ owner: "ada", name: "garbled", files: { "a.txt": "a" } });
    github.setArchive("ada/garbled", Buffer.from("this is not a tarball at all"));
    const garbled = await failure(importRepository({ token, owner: "ada", repo: "garbled" }));
    expect(garbled.code).toBe("BAD_GATEWAY");
  });
});

describe("pushFiles", () => {
  test("a new branch: one commit on top of the default branch, a pull request, main untouched", async () => {
    const { pushFiles } = await load<Pusher>("@/lib/github/push-files");
    const pushed = await pushFiles({
      token,
      owner: "ada",
      repo: "app",
      branch: "kiln/feature",
      message: "Add a feature\n\nWritten in Kiln.",
      files: [
        { path: "src/feature.ts", content: Buffer.from("export const on = true;\n") },
        { path: "assets/logo.bin", content: Buffer.from(everyByte).reverse() },
      ],
      createPullRequest: true,
    });
    expect(pushed).toMatchObject({
      branch: "kiln/feature",
      isNewBranch: true,
      filesPushed: 2,
      pullRequestUrl: "https://github.com/ada/app/pull/1",
    });
    const files = github.filesAt("ada/app", "kiln/feature");
    expect(Object.keys(files ?? {}).sort()).toEqual([
      "README.md",
      "assets/logo.bin",
      "docs/guide/intro.md",
      "src/feature.ts",
      "src/index.ts",
    ]);
    expect(files?.["assets/logo.bin"]).toEqual(Buffer.from(everyByte).reverse());
    expect(github.filesAt("ada/app", "main")?.["src/feature.ts"]).toBeUndefined();
    expect(github.pulls("ada/app")[0]).toMatchObject({
      head: "kiln/feature",
      base: "main",
      title: "Add a feature",
    });

    // Again: the branch moves forward and the open pull request is the answer.
    const again = await pushFiles({
      token,
      owner: "ada",
      repo: "app",
      branch: "kiln/feature",
      message: "More",
      files: [{ path: "src/more.ts", content: Buffer.from("1") }],
      createPullRequest: true,
    });
    expect(again).toMatchObject({
      isNewBranch: false,
      pullRequestUrl: "https://github.com/ada/app/pull/1",
    });
    expect(github.filesAt("ada/app", "kiln/feature")?.["src/feature.ts"]).toBeDefined();
    expect(github.pulls("ada/app")).toHaveLength(1);
  });

  test("two pushes racing on one branch: one lands, the other is refused, nothing is overwritten", async () => {
    const { pushFiles } = await load<Pusher>("@/lib/github/push-files");
    const push = (name: string) =>
      pushFiles({
        token,
        owner: "ada",
        repo: "app",
        branch: "main",
        message: name,
        files: [{ path: `${name}.txt`, content: Buffer.from(name) }],
      }).then(
        () => "landed",
        (error: KilnError) => error.code,
      );
    const outcomes = await Promise.all([push("left"), push("right")]);
    expect(outcomes.sort()).toEqual(["CONFLICT", "landed"]);
    const main = github.filesAt("ada/app", "main") ?? {};
    expect(["left.txt", "right.txt"].filter((f) => main[f])).toHaveLength(1);
  });

  test("a reader's push is forbidden, and a bad path is refused before GitHub is asked", async () => {
    const { pushFiles } = await load<Pusher>("@/lib/github/push-files");
    const forbidden = await failure(
      pushFiles({
        token: "ghp_readerToken0000000000000000000",
        owner: "ada",
        repo: "app",
        branch: "main",
        message: "x",
        files: [{ path: "x.txt", content: Buffer.from("x") }],
      }),
    );
    expect(forbidden.code).toBe("FORBIDDEN");
    const asked = github.requests.length;
    for (const bad of ["../x", "/etc/x", "a/./b", ".git/hooks/x", "a\u0000b"]) {
      const refused = await failure(
        pushFiles({
          token,
          owner: "ada",
          repo: "app",
          branch: "main",
          message: "x",
          files: [{ path: bad, content: Buffer.from("x") }],
        }),
      );
      expect(refused.code, bad).toBe("VALIDATION_ERROR");
    }
    expect(github.requests.length).toBe(asked);
  });
});
