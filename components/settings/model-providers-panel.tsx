"use client";

import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { useModelProviders } from "@/hooks/use-model-providers";
import { type ProviderId, providerIds, providerNames } from "@/lib/ai/providers-list";
import type { ModelCredential, SaveCredentialBody } from "@/lib/ai/schemas";
import { ApiError, apiFetch } from "@/lib/client/fetch-json";

const compatibleExamples = "Ollama, LM Studio, vLLM, OpenRouter";

export function ModelProvidersPanel() {
  const { providers, error, save, remove, errorMessage } = useModelProviders();

  return (
    <section aria-labelledby="model-providers-title" className="space-y-5">
      <div>
        <h2 id="model-providers-title" className="text-lg font-semibold">
          Model providers
        </h2>
        <p className="mt-1 text-sm text-zinc-400">
          Use your own keys for the models Kiln calls for you. Keys are stored encrypted and used
          only for your own requests; when you use your own key, the LLM rate limit does not apply.
        </p>
      </div>
      {error ? <Alert tone="error">{error}</Alert> : null}
      {providers === undefined && !error ? (
        <div className="rounded-lg border border-zinc-800 px-4 py-6 text-center text-sm text-zinc-400">
          Loading…
        </div>
      ) : null}
      {providers ? (
        <ul className="divide-y divide-zinc-800 rounded-lg border border-zinc-800">
          {providerIds.map((id) => (
            <ProviderRow
              key={id}
              id={id}
              saved={providers.find((p) => p.provider === id)}
              save={save}
              remove={remove}
              errorMessage={errorMessage}
            />
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function ProviderRow({
  id,
  saved,
  save,
  remove,
  errorMessage,
}: {
  id: ProviderId;
  saved: ModelCredential | undefined;
  save: (provider: ProviderId, body: SaveCredentialBody) => Promise<ModelCredential>;
  remove: (provider: ProviderId) => Promise<void>;
  errorMessage: (error: unknown) => string;
}) {
  const name = providerNames[id].short;
  const isCompatible = id === "openai-compatible";
  const [apiKey, setApiKey] = useState("");
  const [baseURL, setBaseURL] = useState(saved?.baseURL ?? "");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<"saving" | "removing" | "testing">();
  const [notice, setNotice] = useState<string>();

  async function run(kind: "saving" | "removing" | "testing", action: () => Promise<string>) {
    setBusy(kind);
    setError(undefined);
    setNotice(undefined);
    try {
      setNotice(await action());
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setBusy(undefined);
    }
  }

  function edit(setter: (value: string) => void, value: string) {
    setter(value);
    setNotice(undefined);
  }

  function onSave(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const key = apiKey.trim();
    const url = baseURL.trim();
    if (isCompatible && !url)
      return setError("Give the server's base URL, such as http://localhost:11434/v1.");
    if (!isCompatible && !key) return setError(`Paste your ${name} API key first.`);
    void run("saving", async () => {
      const body: SaveCredentialBody = isCompatible
        ? { baseURL: url, ...(key ? { apiKey: key } : {}) }
        : { apiKey: key };
      const result = await save(id, body);
      setApiKey("");
      setBaseURL(result.baseURL ?? "");
      return `${name} saved.`;
    });
  }

  // The model list asks each configured provider for its models: a live test of the setting.
  function onTest() {
    void run("testing", async () => {
      const data = await apiFetch<{
        models: { provider: string }[];
        providers: { provider: string; keySource: string; status: string; message?: string }[];
      }>("/api/models");
      const status = data.providers.find((p) => p.provider === id && p.keySource === "user");
      if (status?.status === "error") throw new ApiError(status.message ?? "failed", 502);
      const count = data.models.filter((m) => m.provider === id).length;
      return `${name} answered: ${count} ${count === 1 ? "model" : "models"} available.`;
    });
  }

  function onRemove() {
    void run("removing", async () => {
      await remove(id);
      return `${name} removed.`;
    });
  }

  return (
    <li className="space-y-3 px-4 py-4" data-testid="model-provider-row" data-provider={id}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h3 id={`${id}-title`} className="font-medium text-zinc-100">
          {providerNames[id].full}
        </h3>
        {isCompatible ? <span className="text-sm text-zinc-400">{compatibleExamples}</span> : null}
        <span
          data-testid="model-provider-status"
          className={
            saved
              ? "rounded-full border border-emerald-900 bg-emerald-950/40 px-2 py-0.5 text-xs text-emerald-300"
              : "rounded-full border border-zinc-800 px-2 py-0.5 text-xs text-zinc-400"
          }
        >
          {saved ? "Set" : "Not set"}
        </span>
      </div>
      {saved ? (
        <dl className="grid grid-cols-[6rem_1fr] gap-y-1 text-sm">
          <dt className="text-zinc-400">Key</dt>
          <dd className="font-mono text-zinc-400" data-testid="model-provider-key-hint">
            {saved.keyHint ?? "None"}
          </dd>
          {isCompatible ? (
            <>
              <dt className="text-zinc-400">Base URL</dt>
              <dd
                className="break-all font-mono text-zinc-400"
                data-testid="model-provider-base-url"
              >
                {saved.baseURL ?? "None"}
              </dd>
            </>
          ) : null}
        </dl>
      ) : null}
      <form
        onSubmit={onSave}
        // Kiln's own messages, inline, say more than the browser's bubble on a bad URL.
        noValidate
        aria-labelledby={`${id}-title`}
        className="flex flex-wrap items-end gap-3"
      >
        {isCompatible ? (
          <div className="min-w-56 flex-1">
            <TextField
              id={`${id}-base-url`}
              name="baseURL"
              type="url"
              label="Base URL"
              aria-label={`${name} base URL`}
              placeholder="http://localhost:11434/v1"
              maxLength={2000}
              value={baseURL}
              onChange={(event) => edit(setBaseURL, event.target.value)}
            />
          </div>
        ) : null}
        <div className="min-w-56 flex-1">
          <TextField
            id={`${id}-api-key`}
            name="apiKey"
            type="password"
            label={isCompatible ? "API key (optional)" : "API key"}
            aria-label={`${name} API key`}
            placeholder={saved?.keyHint ? "Paste a new key to replace it" : "Paste your key"}
            autoComplete="off"
            spellCheck={false}
            maxLength={500}
            value={apiKey}
            onChange={(event) => edit(setApiKey, event.target.value)}
          />
        </div>
        <div className="flex items-center gap-2">
          <Button type="submit" disabled={busy !== undefined} aria-label={`Save ${name}`}>
            {busy === "saving" ? "Saving…" : "Save"}
          </Button>
          {saved ? (
            <Button
              variant="secondary"
              disabled={busy !== undefined}
              aria-label={`Test connection to ${name}`}
              onClick={onTest}
            >
              {busy === "testing" ? "Testing…" : "Test connection"}
            </Button>
          ) : null}
          {saved ? (
            <Button
              variant="secondary"
              disabled={busy !== undefined}
              aria-label={`Remove ${name}`}
              onClick={onRemove}
            >
              {busy === "removing" ? "Removing…" : "Remove"}
            </Button>
          ) : null}
        </div>
      </form>
      {isCompatible ? (
        <p className="text-xs text-zinc-400">
          Leave the key empty if the server needs none, or to keep the key stored before; remove the
          provider to forget its key.
        </p>
      ) : null}
      {notice ? (
        <p role="status" className="text-sm text-emerald-300">
          {notice}
        </p>
      ) : null}
      {error ? <Alert tone="error">{error}</Alert> : null}
    </li>
  );
}
