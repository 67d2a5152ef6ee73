import "server-only";
import { KilnError } from "@/lib/errors";
import { callGithub, githubClient } from "./client";
import { cleanArchivePath } from "./import-repository";

// Files pushed to a branch through GitHub's git data API, as one commit: a blob per file, a
// tree on top of the branch's tree, a commit whose parent is the branch's head, and the ref
// moved to it (created from the default branch when it does not exist yet). The ref moves only
// forward: if someone pushed meanwhile, GitHub refuses and nothing is lost. A pull request is
// opened on request, or the open one for the branch is answered.

export interface PushedCommit {
  branch: string;
  commitSha: string;
  isNewBranch: boolean;
  filesPushed: number;
  pullRequestUrl: string | null;
}

const parallelBlobs = 8;

export async function pushFiles(options: {
  /** The user's GitHub token (credentials.ts: githubTokenFor). */
  token: string;
  owner: string;
  repo: string;
  branch: string;
  message: string;
  files: { path: string; content: Buffer }[];
  createPullRequest?: boolean | { title?: string; body?: string } | undefined;
  onProgress?: (progress: { step: string; done: number; total: number }) => void;
}): Promise<PushedCommit> {
  const { owner, repo, branch } = options;
  if (options.files.length === 0)
    throw new KilnError("VALIDATION_ERROR", "There are no files to push");
  for (const file of options.files) {
    const clean = cleanArchivePath(file.path);
    if (typeof clean !== "string" || clean !== file.path) {
      throw new KilnError(
        "VALIDATION_ERROR",
        `${JSON.stringify(file.path)} cannot be pushed: ${typeof clean === "string" ? "it is not a clean path" : clean.reason}`,
      );
    }
  }
  const client = githubClient(options.token);
  const what = `repository ${owner}/${repo}`;
  const repository = await callGithub(what, () => client.rest.repos.get({ owner, repo }));
  const defaultBranch = repository.data.default_branch;

  const head = await client.rest.git.getRef({ owner, repo, ref: `heads/${branch}` }).then(
    (answer) => answer.data.object.sha,
    (error: { status?: number }) => {
      if (error.status === 404) return undefined;
      return callGithub(what, () => Promise.reject(error));
    },
  );
  const isNewBranch = head === undefined;
  const parent =
    head ??
    (
      await callGithub(`branch ${defaultBranch} of ${what}`, () =>
        client.rest.git.getRef({ owner, repo, ref: `heads/${defaultBranch}` }),
      )
    ).data.object.sha;
  const parentCommit = await callGithub(what, () =>
    client.rest.git.getCommit({ owner, repo, commit_sha: parent }),
  );

  const blobs: { path: string; sha: string }[] = [];
  for (let i = 0; i < options.files.length; i += parallelBlobs) {
    const batch = options.files.slice(i, i + parallelBlobs);
    blobs.push(
      ...(await Promise.all(
        batch.map(async (file) => {
          const { data } = await callGithub(what, () =>
            client.rest.git.createBlob({
              owner,
              repo,
              content: file.content.toString("base64"),
              encoding: "base64",
            }),
          );
          return { path: file.path, sha: data.sha };
        }),
      )),
    );
    options.onProgress?.({ step: "blobs", done: blobs.length, total: options.files.length });
  }
  const tree = await callGithub(what, () =>
    client.rest.git.createTree({
      owner,
      repo,
      base_tree: parentCommit.data.tree.sha,
      tree: blobs.map((blob) => ({ path: blob.path, mode: "100644", type: "blob", sha: blob.sha })),
    }),
  );
  const commit = await callGithub(what, () =>
    client.rest.git.createCommit({
      owner,
      repo,
      message: options.message,
      tree: tree.data.sha,
      parents: [parent],
    }),
  );
  options.onProgress?.({ step: "commit", done: 1, total: 1 });
  const moveRef = isNewBranch
    ? client.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit.data.sha })
    : client.rest.git.updateRef({
        owner,
        repo,
        ref: `heads/${branch}`,
        sha: commit.data.sha,
        force: false,
      });
  await (moveRef as Promise<unknown>).catch((error: { status?: number }) => {
    // Someone else moved the branch (or made it) while this push was on its way: theirs stays.
    if (error.status === 422) {
      throw new KilnError(
        "CONFLICT",
        `${branch} changed on GitHub while this push was on its way; nothing was overwritten. Push again to add your commit on top.`,
        { reason: "github_branch_moved" },
      );
    }
    return callGithub(`branch ${branch} of ${what}`, () => Promise.reject(error));
  });

  let pullRequestUrl: string | null = null;
  if (options.createPullRequest && branch !== defaultBranch) {
    const asked = typeof options.createPullRequest === "object" ? options.createPullRequest : {};
    pullRequestUrl = await client.rest.pulls
      .create({
        owner,
        repo,
        head: branch,
        base: defaultBranch,
        title: asked.title ?? options.message.split("\n")[0] ?? branch,
        body: asked.body ?? "",
      })
      .then(
        (answer) => answer.data.html_url,
        async (error: { status?: number }) => {
          // The branch has an open pull request already: the push updated it.
          if (error.status !== 422) return callGithub(what, () => Promise.reject(error));
          const open = await callGithub(what, () =>
            client.rest.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: "open" }),
          );
          return open.data[0]?.html_url ?? callGithub(what, () => Promise.reject(error));
        },
      );
  }
  return {
    branch,
    commitSha: commit.data.sha,
    isNewBranch,
    filesPushed: blobs.length,
    pullRequestUrl,
  };
}
