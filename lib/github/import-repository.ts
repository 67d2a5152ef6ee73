import "server-only";
import path from "node:path";
import { Readable } from "node:stream";
import { Parser, type ReadEntry } from "tar";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { callGithub, githubClient, githubMessage, githubRefusal } from "./client";

// A repository (or one folder of it) from GitHub, as files in memory: the ref is resolved to a
// commit first, so what is read is one consistent tree, then its tarball is streamed and
// unpacked with every limit checked as bytes arrive. Nothing is trusted from the archive:
// paths are cleaned (a path that climbs out, is absolute or holds odd bytes is skipped and
// said so), links are never followed or kept, and the download and the unpacked size are both
// held to the cap, so a compressed bomb stops at the cap too.

export interface ImportedFile {
  path: string;
  content: Buffer;
}

export interface RepositoryFiles {
  owner: string;
  repo: string;
  ref: string;
  commitSha: string;
  files: ImportedFile[];
  skipped: { path: string; reason: string }[];
}

/** A path from the archive as a clean relative path, or why it cannot be one. */
export function cleanArchivePath(raw: string): string | { reason: string } {
  const hasOddByte = [...raw].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (hasOddByte || raw.includes("\\")) {
    return { reason: "its name holds control characters or a backslash" };
  }
  if (raw.startsWith("/")) return { reason: "it is an absolute path" };
  if (raw.split("/").includes("..")) return { reason: "it climbs out of the repository" };
  const clean = path.posix.normalize(raw).replace(/\/+$/, "");
  if (clean === "." || clean === "") return { reason: "it has no name" };
  if (clean.split("/").some((part) => Buffer.byteLength(part) > 255))
    return { reason: "a part of its name is over 255 bytes" };
  if (clean.length > 1024) return { reason: "its path is over 1,024 characters" };
  if (clean.split("/")[0] === ".git") return { reason: "it is inside .git" };
  return clean;
}

const encodeRef = (ref: string) => ref.split("/").map(encodeURIComponent).join("/");

export async function importRepository(options: {
  /** The user's GitHub token (credentials.ts: githubTokenFor). */
  token: string;
  owner: string;
  repo: string;
  ref?: string | undefined;
  /** One folder of the repository; its files come out relative to it. */
  folder?: string | undefined;
  onProgress?: (progress: { files: number; bytes: number }) => void;
  signal?: AbortSignal;
}): Promise<RepositoryFiles> {
  const env = getEnv();
  const token = options.token;
  const client = githubClient(token);
  const what = `repository ${options.owner}/${options.repo}`;
  const ref =
    options.ref ??
    (
      await callGithub(what, () =>
        client.rest.repos.get({ owner: options.owner, repo: options.repo }),
      )
    ).data.default_branch;
  const commit = await callGithub(`ref ${ref} in ${what}`, () =>
    client.rest.repos.getCommit({ owner: options.owner, repo: options.repo, ref }),
  );
  const commitSha = commit.data.sha;

  const maxBytes = env.KILN_GITHUB_IMPORT_MAX_MB * 1024 * 1024;
  const maxFiles = env.KILN_GITHUB_IMPORT_MAX_FILES;
  const signal = AbortSignal.any([
    AbortSignal.timeout(env.KILN_GITHUB_IMPORT_TIMEOUT_MS),
    ...(options.signal ? [options.signal] : []),
  ]);
  const base = env.GITHUB_API_URL.replace(/\/+$/, "");
  const archiveUrl = `${base}/repos/${encodeURIComponent(options.owner)}/${encodeURIComponent(options.repo)}/tarball/${encodeRef(commitSha)}`;
  const body = await downloadArchive({ url: archiveUrl, token, signal, what });

  const folder = options.folder ? cleanArchivePath(options.folder) : undefined;
  if (folder !== undefined && typeof folder !== "string") {
    throw new KilnError("VALIDATION_ERROR", `The folder cannot be imported: ${folder.reason}`);
  }
  const files: ImportedFile[] = [];
  const skipped: RepositoryFiles["skipped"] = [];
  let unpacked = 0;
  let downloaded = 0;
  let stop: KilnError | undefined;
  const tooLarge = () =>
    new KilnError(
      "PAYLOAD_TOO_LARGE",
      `${options.owner}/${options.repo} is larger than the ${env.KILN_GITHUB_IMPORT_MAX_MB} MB an import may bring in; import one folder of it`,
      { reason: "import_too_large" },
    );

  let sawEntry = false;
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      sawEntry = true;
      // GitHub's archives hold everything under one top folder, <owner>-<repo>-<sha>/.
      const inner = entry.path.split("/").slice(1).join("/");
      let relative = inner;
      if (folder) {
        if (inner !== folder && !inner.startsWith(`${folder}/`)) return void entry.resume();
        relative = inner.slice(folder.length + 1);
      }
      if (entry.type === "Directory" || relative === "" || stop) return void entry.resume();
      if (entry.type === "SymbolicLink" || entry.type === "Link") {
        skipped.push({ path: relative, reason: "it is a link; links are not imported" });
        return void entry.resume();
      }
      if (entry.type !== "File" && entry.type !== "OldFile" && entry.type !== "ContiguousFile") {
        return void entry.resume();
      }
      const clean = cleanArchivePath(relative);
      if (typeof clean !== "string") {
        skipped.push({ path: relative, reason: clean.reason });
        return void entry.resume();
      }
      if (files.length >= maxFiles) {
        stop = new KilnError(
          "PAYLOAD_TOO_LARGE",
          `${options.owner}/${options.repo} has more than the ${maxFiles} files an import may bring in; import one folder of it`,
          { reason: "import_too_many_files" },
        );
        return void entry.resume();
      }
      if (unpacked + (entry.size ?? 0) > maxBytes) {
        stop = tooLarge();
        return void entry.resume();
      }
      const chunks: Buffer[] = [];
      entry.on("data", (chunk: Buffer) => {
        unpacked += chunk.length;
        if (unpacked > maxBytes) stop ??= tooLarge();
        else chunks.push(chunk);
      });
      entry.on("end", () => {
        if (stop) return;
        files.push({ path: clean, content: Buffer.concat(chunks) });
        options.onProgress?.({ files: files.length, bytes: unpacked });
      });
    },
  });
  let broken: Error | undefined;
  parser.on("error", (error: Error) => {
    broken = error;
  });
  parser.on("warn", (code: string, message: string) => {
    if (code === "TAR_BAD_ARCHIVE" || code === "TAR_ABORT") broken ??= new Error(message);
  });

  try {
    for await (const chunk of Readable.fromWeb(
      body as import("node:stream/web").ReadableStream<Uint8Array>,
    )) {
      downloaded += (chunk as Buffer).length;
      if (downloaded > maxBytes) stop ??= tooLarge();
      if (stop || broken) break;
      if (!parser.write(chunk as Buffer))
        await new Promise((resolve) => parser.once("drain", resolve));
    }
  } catch (error) {
    if (signal.aborted) throw deadlineError(options.signal?.aborted === true);
    throw new KilnError(
      "BAD_GATEWAY",
      `The download of ${options.owner}/${options.repo} broke off`,
      {
        reason: "github_unreachable",
        details: { cause: (error as Error).name },
      },
    );
  }
  if (!stop && !broken) await new Promise<void>((resolve) => parser.end(resolve));
  if (stop) throw stop;
  if (broken || !sawEntry) {
    throw new KilnError(
      "BAD_GATEWAY",
      `GitHub's archive of ${options.owner}/${options.repo} is not a readable tarball`,
      {
        reason: "github_bad_archive",
      },
    );
  }
  if (folder && files.length === 0 && skipped.length === 0) {
    throw new KilnError(
      "NOT_FOUND",
      `${options.owner}/${options.repo} has no folder ${folder} at ${ref}`,
    );
  }
  return { owner: options.owner, repo: options.repo, ref, commitSha, files, skipped };
}

const deadlineError = (isCancelled: boolean) =>
  isCancelled
    ? new KilnError("BAD_GATEWAY", "The import was cancelled", { reason: "import_cancelled" })
    : new KilnError("GATEWAY_TIMEOUT", "GitHub's archive did not arrive in time", {
        reason: "github_timeout",
      });

/**
 * The archive's body. GitHub answers the tarball URL with a redirect to a download host whose
 * URL carries a token of its own: the redirect is followed by hand, without the user's token.
 */
async function downloadArchive(options: {
  url: string;
  token: string;
  signal: AbortSignal;
  what: string;
}): Promise<ReadableStream<Uint8Array>> {
  let response: Response;
  try {
    response = await fetch(options.url, {
      headers: {
        authorization: `token ${options.token}`,
        "user-agent": "Kiln",
        accept: "application/vnd.github+json",
      },
      redirect: "manual",
      signal: options.signal,
    });
    for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
      const location = response.headers.get("location");
      if (!location || hops >= 3)
        throw new KilnError("BAD_GATEWAY", "GitHub's archive redirect led nowhere");
      const next = new URL(location, options.url);
      if (next.protocol !== "https:" && next.origin !== new URL(options.url).origin) {
        throw new KilnError("BAD_GATEWAY", "GitHub's archive redirect left https", {
          reason: "github_bad_archive",
        });
      }
      response = await fetch(next, {
        headers: { "user-agent": "Kiln" },
        redirect: "manual",
        signal: options.signal,
      });
    }
  } catch (error) {
    if (error instanceof KilnError) throw error;
    if (options.signal.aborted) throw deadlineError(false);
    throw new KilnError("BAD_GATEWAY", "GitHub could not be reached", {
      reason: "github_unreachable",
    });
  }
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => "");
    let message = "";
    try {
      message = githubMessage(String((JSON.parse(text) as { message?: unknown }).message ?? ""));
    } catch {}
    throw githubRefusal({
      what: options.what,
      status: response.status,
      headers: Object.fromEntries(response.headers),
      message,
    });
  }
  return response.body;
}
