"use client";

import Link from "next/link";
import { type FormEvent, useEffect, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";
import type { GithubConnection, GithubRepo, ImportResult } from "@/lib/github/schemas";

// GitHub beside the workspace: the account's repositories, each importable into a folder of its
// own, and a push of a folder to a branch, with a pull request if asked.

export function GithubSync(props: { folder: string; onImported(result: ImportResult): void }) {
  const [connection, setConnection] = useState<GithubConnection>();
  const [repos, setRepos] = useState<GithubRepo[]>();
  const [busy, setBusy] = useState<string>();
  const [note, setNote] = useState<{ tone: "error" | "success"; text: string; href?: string }>();

  useEffect(() => {
    apiFetch<GithubConnection>("/api/settings/github")
      .then(async (found) => {
        setConnection(found);
        if (found.connected)
          setRepos(await apiFetch<GithubRepo[]>("/api/github/repos?per_page=50"));
      })
      .catch((caught) => setNote({ tone: "error", text: errorMessage(caught) }));
  }, []);

  async function importRepo(repo: GithubRepo) {
    setBusy(repo.full_name);
    setNote(undefined);
    try {
      const result = await apiFetch<ImportResult>("/api/github/import", {
        method: "POST",
        json: { owner: repo.owner.login, repo: repo.name },
      });
      const skipped = result.skipped.length ? `; ${result.skipped.length} skipped` : "";
      setNote({
        tone: "success",
        text: `Imported ${result.filesImported} files into ${result.into}${skipped}.`,
      });
      props.onImported(result);
    } catch (caught) {
      setNote({ tone: "error", text: errorMessage(caught) });
    } finally {
      setBusy(undefined);
    }
  }

  async function push(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const [owner = "", repo = ""] = String(form.get("repository") ?? "").split("/");
    setBusy("push");
    setNote(undefined);
    try {
      const pushed = await apiFetch<{ commitSha: string; pullRequestUrl: string | null }>(
        "/api/github/push",
        {
          method: "POST",
          json: {
            owner,
            repo,
            branch: String(form.get("branch") ?? ""),
            message: String(form.get("message") ?? ""),
            ...(props.folder ? { root: props.folder } : {}),
            createPullRequest: form.get("pr") === "on",
          },
        },
      );
      setNote({
        tone: "success",
        text: `Pushed ${pushed.commitSha.slice(0, 7)}.${pushed.pullRequestUrl ? " Pull request:" : ""}`,
        ...(pushed.pullRequestUrl ? { href: pushed.pullRequestUrl } : {}),
      });
    } catch (caught) {
      setNote({ tone: "error", text: errorMessage(caught) });
    } finally {
      setBusy(undefined);
    }
  }

  if (connection && !connection.connected) {
    return (
      <p className="text-sm text-zinc-400">
        Connect GitHub in{" "}
        <Link href="/settings" className="text-zinc-200 underline">
          Settings
        </Link>{" "}
        to import repositories and push your files.
      </p>
    );
  }
  return (
    <div className="space-y-5">
      <div>
        <h3 className="text-sm font-semibold text-zinc-200">Import a repository</h3>
        {repos === undefined && !note ? (
          <p className="mt-2 text-sm text-zinc-400">Loading…</p>
        ) : null}
        <ul className="mt-2 divide-y divide-zinc-800 rounded-md border border-zinc-800">
          {repos?.map((repo) => (
            <li
              key={repo.full_name}
              className="flex items-center justify-between gap-3 px-3 py-2 text-sm"
            >
              <span className="min-w-0">
                <span className="block truncate font-medium text-zinc-100">{repo.full_name}</span>
                <span className="block truncate text-xs text-zinc-400">
                  {repo.private ? "Private · " : ""}
                  {repo.language ?? "—"}
                </span>
              </span>
              <Button
                variant="secondary"
                disabled={busy !== undefined}
                onClick={() => importRepo(repo)}
                aria-label={`Import ${repo.full_name}`}
              >
                {busy === repo.full_name ? "Importing…" : "Import"}
              </Button>
            </li>
          ))}
          {repos?.length === 0 ? (
            <li className="px-3 py-2 text-sm text-zinc-400">No repositories.</li>
          ) : null}
        </ul>
      </div>
      <form onSubmit={push} className="space-y-3">
        <h3 className="text-sm font-semibold text-zinc-200">
          Push {props.folder ? <span className="font-mono">{props.folder}/</span> : "the workspace"}
        </h3>
        <TextField
          id="push-repository"
          name="repository"
          label="Repository (owner/name)"
          required
        />
        <TextField
          id="push-branch"
          name="branch"
          label="Branch"
          defaultValue="kiln/update"
          required
        />
        <TextField
          id="push-message"
          name="message"
          label="Commit message"
          defaultValue="Update from Kiln"
          required
        />
        <label className="flex items-center gap-2 text-sm text-zinc-300">
          <input type="checkbox" name="pr" className="accent-orange-500" /> Open a pull request
        </label>
        <Button type="submit" disabled={busy !== undefined}>
          {busy === "push" ? "Pushing…" : "Push"}
        </Button>
      </form>
      {note ? (
        <Alert tone={note.tone}>
          {note.text}{" "}
          {note.href ? (
            <a href={note.href} className="underline" target="_blank" rel="noreferrer">
              {note.href}
            </a>
          ) : null}
        </Alert>
      ) : null}
    </div>
  );
}
