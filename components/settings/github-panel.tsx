"use client";

import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { useGithubConnection } from "@/hooks/use-github-connection";

// GitHub in Settings: a personal access token, checked with GitHub before it is kept, then
// shown only as the account it signs in as and a hint of the token.

export function GithubPanel() {
  const { connection, error, connect, disconnect, test, errorMessage } = useGithubConnection();
  const [isSaving, setIsSaving] = useState(false);
  const [note, setNote] = useState<{ tone: "error" | "success"; text: string }>();

  async function onConnect(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const token = String(new FormData(form).get("token") ?? "").trim();
    if (!token) return setNote({ tone: "error", text: "Paste a GitHub personal access token." });
    setIsSaving(true);
    setNote(undefined);
    try {
      await connect(token);
      form.reset();
      setNote({ tone: "success", text: "GitHub is connected." });
    } catch (caught) {
      setNote({ tone: "error", text: errorMessage(caught) });
    } finally {
      setIsSaving(false);
    }
  }

  async function onTest() {
    setNote(undefined);
    try {
      const user = await test();
      setNote({ tone: "success", text: `GitHub answers: signed in as ${user.login}.` });
    } catch (caught) {
      setNote({ tone: "error", text: errorMessage(caught) });
    }
  }

  async function onDisconnect() {
    setNote(undefined);
    try {
      await disconnect();
    } catch (caught) {
      setNote({ tone: "error", text: errorMessage(caught) });
    }
  }

  return (
    <section aria-labelledby="github-title" className="space-y-5">
      <div>
        <h2 id="github-title" className="text-lg font-semibold">
          GitHub
        </h2>
        <p className="mt-1 text-sm text-zinc-400">
          Import repositories and push your work with a{" "}
          <a
            className="text-zinc-200 underline"
            href="https://github.com/settings/tokens"
            target="_blank"
            rel="noreferrer"
          >
            personal access token
          </a>{" "}
          (repository contents: read and write). It is stored encrypted and only ever sent to
          GitHub.
        </p>
      </div>
      <div className="rounded-lg border border-zinc-800 p-4 text-sm" data-testid="github-status">
        {connection === undefined && !error ? <p className="text-zinc-400">Loading…</p> : null}
        {connection?.source === "user" || connection?.source === "sign-in" ? (
          <div className="flex flex-wrap items-center justify-between gap-3">
            <p className="min-w-0 break-all">
              Connected as <strong>{connection.login}</strong>{" "}
              {connection.source === "sign-in" ? (
                <span className="text-zinc-400">(from signing in with GitHub)</span>
              ) : (
                <span className="font-mono text-zinc-400">{connection.tokenHint}</span>
              )}
            </p>
            <span className="flex gap-2">
              <Button variant="secondary" onClick={onTest}>
                Test connection
              </Button>
              <Button variant="secondary" onClick={onDisconnect}>
                Disconnect
              </Button>
            </span>
          </div>
        ) : null}
        {connection?.source === "server" ? (
          <p>Connected with this server&apos;s own token. Add yours to use your own account.</p>
        ) : null}
        {connection && !connection.connected ? (
          <p className="text-zinc-400">Not connected.</p>
        ) : null}
      </div>
      <form onSubmit={onConnect} className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <div className="flex-1">
          <TextField
            id="github-token"
            name="token"
            type="password"
            autoComplete="off"
            label={
              connection?.source === "user" || connection?.source === "sign-in"
                ? "Replace the token"
                : "Personal access token"
            }
            placeholder="ghp_… or github_pat_…"
            maxLength={500}
          />
        </div>
        <Button type="submit" disabled={isSaving}>
          {isSaving ? "Checking with GitHub…" : "Connect"}
        </Button>
      </form>
      {note || error ? <Alert tone={note?.tone ?? "error"}>{note?.text ?? error}</Alert> : null}
    </section>
  );
}
