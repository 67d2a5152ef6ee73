import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { gzipSync } from "node:zlib";
import { Header } from "tar";

// The git side of the fake GitHub: repositories with branches of commits, served as GitHub's
// REST API serves them — the repository, a ref's commit, the tarball (a 302 to a codeload URL
// that carries its own token, as GitHub answers), and the git data API a push goes through
// (blobs, trees, commits, refs) with pull requests. Blob ids are real git blob hashes; trees
// are kept flat, by full path, which is all a client of the API can see of them.

export interface GitRepoSeed {
  owner: string;
  name: string;
  defaultBranch?: string;
  files: Record<string, string | Buffer>;
  /** Logins that may write; everyone with a valid token may read. */
  writers?: string[];
}

interface Commit {
  tree: string;
  parents: string[];
  message: string;
}

interface Repo {
  owner: string;
  name: string;
  defaultBranch: string;
  branches: Map<string, string>;
  writers: string[];
  pulls: { number: number; head: string; base: string; title: string; body: string }[];
  /** A hostile or odd archive a test serves instead of the real one. */
  archive?: Buffer;
}

export type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void;

const sha1 = (data: Buffer | string) => createHash("sha1").update(data).digest("hex");

/** A gzipped tarball with exactly these entries, hostile ones included (no path is cleaned). */
export function tarball(
  entries: {
    path: string;
    type?: "File" | "Directory" | "SymbolicLink" | "Link";
    content?: string | Buffer;
    linkpath?: string;
  }[],
): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? "File";
    const content = Buffer.from(entry.content ?? "");
    const header = new Header({
      path: entry.path,
      mode: type === "Directory" ? 0o755 : 0o644,
      size: type === "File" ? content.length : 0,
      type,
      linkpath: entry.linkpath,
      mtime: new Date(0),
      uid: 0,
      gid: 0,
    });
    header.encode();
    if (header.block) blocks.push(header.block);
    if (type === "File") {
      blocks.push(content, Buffer.alloc((512 - (content.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

export function createGitStore() {
  const blobs = new Map<string, Buffer>();
  const trees = new Map<string, Map<string, string>>();
  const commits = new Map<string, Commit>();
  const repos = new Map<string, Repo>();
  const codeloadTokens = new Map<string, { repo: Repo; sha: string }>();

  const putBlob = (content: Buffer) => {
    const sha = sha1(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]));
    blobs.set(sha, content);
    return sha;
  };
  const putTree = (entries: Map<string, string>) => {
    const sorted = new Map([...entries].sort(([a], [b]) => a.localeCompare(b)));
    const sha = sha1(`tree ${JSON.stringify([...sorted])}`);
    trees.set(sha, sorted);
    return sha;
  };
  const putCommit = (commit: Commit) => {
    const sha = sha1(`commit ${JSON.stringify(commit)} ${commits.size}`);
    commits.set(sha, commit);
    return sha;
  };
  const isAncestor = (ancestor: string, of: string): boolean => {
    const seen = new Set<string>();
    const queue = [of];
    while (queue.length) {
      const sha = queue.shift() as string;
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(commits.get(sha)?.parents ?? []));
    }
    return false;
  };
  /** A branch name or commit sha, as the commit it names. */
  const resolve = (repo: Repo, ref: string) =>
    repo.branches.get(ref) ?? (commits.has(ref) ? ref : undefined);

  function addRepo(seed: GitRepoSeed) {
    const tree = new Map<string, string>();
    for (const [path, content] of Object.entries(seed.files))
      tree.set(path, putBlob(Buffer.from(content)));
    const root = putCommit({ tree: putTree(tree), parents: [], message: "Initial commit" });
    const defaultBranch = seed.defaultBranch ?? "main";
    repos.set(`${seed.owner}/${seed.name}`, {
      owner: seed.owner,
      name: seed.name,
      defaultBranch,
      branches: new Map([[defaultBranch, root]]),
      writers: seed.writers ?? [seed.owner],
      pulls: [],
    });
  }

  /** The files of a branch (or commit), for tests to check what a push made. */
  function filesAt(fullName: string, ref: string): Record<string, Buffer> | undefined {
    const repo = repos.get(fullName);
    const sha = repo && resolve(repo, ref);
    const tree = sha ? trees.get(commits.get(sha)?.tree ?? "") : undefined;
    if (!tree) return undefined;
    return Object.fromEntries([...tree].map(([path, blob]) => [path, blobs.get(blob) as Buffer]));
  }

  function setArchive(fullName: string, archive: Buffer) {
    const repo = repos.get(fullName);
    if (repo) repo.archive = archive;
  }

  /** Answers a request the git side knows; false when it is not one of its paths. */
  function handle(options: {
    req: IncomingMessage;
    path: string;
    login: string | undefined;
    body: unknown;
    origin: string;
    reply: Reply;
  }): boolean {
    const { req, path, login, reply } = options;
    const notFound = () => {
      reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
      return true;
    };
    const codeload = /^\/_codeload\/([^/]+)$/.exec(path);
    if (codeload) {
      const grant = codeloadTokens.get(codeload[1] ?? "");
      if (!grant) return notFound();
      const tree = trees.get(commits.get(grant.sha)?.tree ?? "") ?? new Map<string, string>();
      const top = `${grant.repo.owner}-${grant.repo.name}-${grant.sha.slice(0, 7)}/`;
      const archive =
        grant.repo.archive ??
        tarball([
          { path: top, type: "Directory" },
          ...[...tree].map(([file, blob]) => ({ path: `${top}${file}`, content: blobs.get(blob) })),
        ]);
      reply(200, archive, { "content-type": "application/x-gzip" });
      return true;
    }
    const match = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!match || login === undefined) return false;
    const repo = repos.get(`${match[1]}/${match[2]}`);
    if (!repo) return notFound();
    // Octokit sends a ref's slashes encoded (git/ref/heads%2Fmain), as GitHub accepts them.
    const rest = decodeURIComponent(match[3] ?? "");
    const method = req.method ?? "GET";
    const isWrite = method !== "GET";
    if (isWrite && !repo.writers.includes(login)) {
      reply(403, {
        message: "Resource not accessible by personal access token",
        documentation_url: "https://docs.github.com/rest",
      });
      return true;
    }
    const body = (options.body ?? {}) as Record<string, unknown>;
    const unprocessable = (message: string) => {
      reply(422, { message, documentation_url: "https://docs.github.com/rest" });
      return true;
    };
    let m: RegExpExecArray | null = null;
    const is = (verb: string, pattern: RegExp) => {
      if (method !== verb) return false;
      m = pattern.exec(rest);
      return m !== null;
    };
    const group = (i: number) => (m as RegExpExecArray | null)?.[i] ?? "";

    if (is("GET", /^$/)) {
      reply(200, {
        name: repo.name,
        full_name: `${repo.owner}/${repo.name}`,
        private: false,
        owner: { login: repo.owner },
        default_branch: repo.defaultBranch,
        permissions: { pull: true, push: repo.writers.includes(login) },
      });
    } else if (is("GET", /^\/commits\/(.+)$/)) {
      const sha = resolve(repo, group(1));
      const commit = sha ? commits.get(sha) : undefined;
      if (!sha || !commit) {
        unprocessable(`No commit found for SHA: ${group(1)}`);
        return true;
      }
      reply(200, {
        sha,
        commit: { message: commit.message, tree: { sha: commit.tree } },
        parents: commit.parents.map((p) => ({ sha: p })),
      });
    } else if (is("GET", /^\/tarball\/(.+)$/)) {
      const sha = resolve(repo, group(1));
      if (!sha) return notFound();
      const token = sha1(`${Math.random()}`);
      codeloadTokens.set(token, { repo, sha });
      reply(302, "", { location: `${options.origin}/_codeload/${token}` });
    } else if (is("GET", /^\/git\/ref\/heads\/(.+)$/)) {
      const sha = repo.branches.get(group(1));
      if (!sha) return notFound();
      reply(200, { ref: `refs/heads/${group(1)}`, object: { sha, type: "commit" } });
    } else if (is("GET", /^\/git\/commits\/([0-9a-f]{40})$/)) {
      const commit = commits.get(group(1));
      if (!commit) return notFound();
      reply(200, {
        sha: group(1),
        tree: { sha: commit.tree },
        parents: commit.parents.map((p) => ({ sha: p })),
        message: commit.message,
      });
    } else if (is("POST", /^\/git\/blobs$/)) {
      if (typeof body.content !== "string") return unprocessable("content is required");
      const content = Buffer.from(body.content, body.encoding === "base64" ? "base64" : "utf8");
      const sha = putBlob(content);
      reply(201, {
        sha,
        url: `${options.origin}/repos/${repo.owner}/${repo.name}/git/blobs/${sha}`,
      });
    } else if (is("POST", /^\/git\/trees$/)) {
      const base =
        typeof body.base_tree === "string" ? trees.get(body.base_tree) : new Map<string, string>();
      if (!base) return unprocessable("base_tree is not a tree");
      const entries = new Map(base);
      for (const entry of (body.tree ?? []) as {
        path: string;
        sha?: string | null;
        content?: string;
      }[]) {
        if (entry.sha === null) entries.delete(entry.path);
        else if (entry.sha && blobs.has(entry.sha)) entries.set(entry.path, entry.sha);
        else if (typeof entry.content === "string")
          entries.set(entry.path, putBlob(Buffer.from(entry.content)));
        else return unprocessable(`tree.sha ${entry.sha} is not a blob`);
      }
      const sha = putTree(entries);
      reply(201, {
        sha,
        tree: [...entries].map(([p, s]) => ({ path: p, mode: "100644", type: "blob", sha: s })),
      });
    } else if (is("POST", /^\/git\/commits$/)) {
      const parents = (body.parents ?? []) as string[];
      if (typeof body.tree !== "string" || !trees.has(body.tree))
        return unprocessable("tree is not a tree");
      if (parents.some((p) => !commits.has(p))) return unprocessable("a parent is not a commit");
      const sha = putCommit({ tree: body.tree, parents, message: String(body.message ?? "") });
      reply(201, {
        sha,
        tree: { sha: body.tree },
        parents: parents.map((p) => ({ sha: p })),
        message: body.message,
      });
    } else if (is("POST", /^\/git\/refs$/)) {
      const name = String(body.ref ?? "").replace(/^refs\/heads\//, "");
      if (repo.branches.has(name)) return unprocessable("Reference already exists");
      if (!commits.has(String(body.sha))) return unprocessable("Object does not exist");
      repo.branches.set(name, String(body.sha));
      reply(201, { ref: `refs/heads/${name}`, object: { sha: body.sha, type: "commit" } });
    } else if (is("PATCH", /^\/git\/refs\/heads\/(.+)$/)) {
      const current = repo.branches.get(group(1));
      if (!current) return unprocessable("Reference does not exist");
      const next = String(body.sha);
      if (!commits.has(next)) return unprocessable("Object does not exist");
      if (!body.force && !isAncestor(current, next))
        return unprocessable("Update is not a fast forward");
      repo.branches.set(group(1), next);
      reply(200, { ref: `refs/heads/${group(1)}`, object: { sha: next, type: "commit" } });
    } else if (is("POST", /^\/pulls$/)) {
      const head = String(body.head ?? "");
      if (!repo.branches.has(head.replace(/^[^:]+:/, "")))
        return unprocessable("head is not a branch");
      if (repo.pulls.some((p) => p.head === head)) {
        return unprocessable(`A pull request already exists for ${repo.owner}:${head}.`);
      }
      const pull = {
        number: repo.pulls.length + 1,
        head,
        base: String(body.base ?? repo.defaultBranch),
        title: String(body.title ?? ""),
        body: String(body.body ?? ""),
      };
      repo.pulls.push(pull);
      reply(201, {
        number: pull.number,
        html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${pull.number}`,
        title: pull.title,
        state: "open",
      });
    } else if (is("GET", /^\/pulls$/)) {
      const head = new URL(req.url ?? "/", "http://fake").searchParams
        .get("head")
        ?.replace(/^[^:]+:/, "");
      reply(
        200,
        repo.pulls
          .filter((p) => !head || p.head === head)
          .map((p) => ({
            number: p.number,
            html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${p.number}`,
            title: p.title,
            state: "open",
          })),
      );
    } else notFound();
    return true;
  }

  return {
    addRepo,
    filesAt,
    setArchive,
    handle,
    pulls: (fullName: string) => repos.get(fullName)?.pulls ?? [],
  };
}
