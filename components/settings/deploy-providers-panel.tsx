"use client";

import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { useDeployProviders } from "@/hooks/use-deploy-providers";
import {
  type ProviderConnection,
  providerNames,
  type RemoteProvider,
} from "@/lib/deployments/providers/schemas";

// Vercel and Netlify in Settings: a token for each (and Vercel's optional team), stored
// encrypted and shown afterwards only as a hint. Deployments to either use it.

const tokenPages: Record<RemoteProvider, string> = {
  vercel: "https://vercel.com/account/tokens",
  netlify: "https://app.netlify.com/user/applications#personal-access-tokens",
};

export function DeployProvidersPanel() {
  const { providers, error, save, forget, errorMessage } = useDeployProviders();
  return (
    <section aria-labelledby="deploy-providers-title" className="space-y-5">
      <div>
        <h2 id="deploy-providers-title" className="text-lg font-semibold">
          Deployment providers
        </h2>
        <p className="mt-1 text-sm text-zinc-400">
          Deploy a build to Vercel or Netlify with your own token. Each is stored encrypted and only
          ever sent to its provider.
        </p>
      </div>
      {providers === undefined && !error ? <p className="text-sm text-zinc-400">Loading…</p> : null}
      {error ? <Alert tone="error">{error}</Alert> : null}
      {providers?.map((connection) => (
        <ProviderForm
          key={connection.provider}
          connection={connection}
          onSave={save}
          onForget={forget}
          errorMessage={errorMessage}
        />
      ))}
    </section>
  );
}

function ProviderForm(props: {
  connection: ProviderConnection;
  onSave(provider: RemoteProvider, token: string, teamId?: string): Promise<void>;
  onForget(provider: RemoteProvider): Promise<void>;
  errorMessage(caught: unknown): string;
}) {
  const { connection } = props;
  const { provider } = connection;
  const name = providerNames[provider];
  const [isSaving, setIsSaving] = useState(false);
  const [note, setNote] = useState<{ tone: "error" | "success"; text: string }>();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const token = String(data.get("token") ?? "").trim();
    const teamId = String(data.get("teamId") ?? "").trim() || undefined;
    if (!token) return setNote({ tone: "error", text: `Paste a ${name} token.` });
    setIsSaving(true);
    setNote(undefined);
    try {
      await props.onSave(provider, token, teamId);
      form.reset();
      setNote({ tone: "success", text: `${name} token saved.` });
    } catch (caught) {
      setNote({ tone: "error", text: props.errorMessage(caught) });
    } finally {
      setIsSaving(false);
    }
  }

  async function onForget() {
    setNote(undefined);
    try {
      await props.onForget(provider);
    } catch (caught) {
      setNote({ tone: "error", text: props.errorMessage(caught) });
    }
  }

  return (
    <div
      className="space-y-3 rounded-lg border border-zinc-800 p-4 text-sm"
      data-testid={`deploy-provider-${provider}`}
    >
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="min-w-0 break-all">
          <strong>{name}</strong>{" "}
          {connection.connected ? (
            <span className="text-zinc-400">
              token <span className="font-mono">{connection.tokenHint}</span>
              {connection.teamId ? ` · team ${connection.teamId}` : null}
            </span>
          ) : (
            <span className="text-zinc-400">not connected</span>
          )}
        </p>
        {connection.connected ? (
          <Button variant="secondary" onClick={onForget}>
            Remove token
          </Button>
        ) : null}
      </div>
      <form onSubmit={onSubmit} className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <div className="flex-1">
          <TextField
            id={`${provider}-token`}
            name="token"
            type="password"
            autoComplete="off"
            label={connection.connected ? `Replace the ${name} token` : `${name} token`}
            maxLength={500}
          />
        </div>
        {provider === "vercel" ? (
          <div className="sm:w-48">
            <TextField
              id="vercel-team"
              name="teamId"
              autoComplete="off"
              label="Team id (optional)"
              placeholder="team_…"
              maxLength={100}
              defaultValue={connection.teamId ?? ""}
            />
          </div>
        ) : null}
        <Button type="submit" disabled={isSaving}>
          {isSaving ? "Saving…" : "Save"}
        </Button>
      </form>
      <p className="text-xs text-zinc-400">
        Create one at{" "}
        <a className="underline" href={tokenPages[provider]} target="_blank" rel="noreferrer">
          {new URL(tokenPages[provider]).host}
        </a>
        .
      </p>
      {note ? <Alert tone={note.tone}>{note.text}</Alert> : null}
    </div>
  );
}
