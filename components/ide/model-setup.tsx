"use client";

import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { providerNames } from "@/lib/ai/providers-list";
import { apiFetch, errorMessage } from "@/lib/client/fetch-json";

// Shown when no model can be used: paste a key, or point Kiln at a local OpenAI-compatible
// server (Ollama, LM Studio, vLLM). Saved as the user's own provider, encrypted.

const choices = [
  { provider: "openai-compatible", label: "Local or OpenAI-compatible server" },
  { provider: "openai", label: providerNames.openai.full },
  { provider: "anthropic", label: providerNames.anthropic.full },
  { provider: "google", label: providerNames.google.full },
] as const;

export function ModelSetup({ onSaved, problems }: { onSaved: () => void; problems: string[] }) {
  const [provider, setProvider] =
    useState<(typeof choices)[number]["provider"]>("openai-compatible");
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const compatible = provider === "openai-compatible";

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const apiKey = String(form.get("apiKey") ?? "").trim();
    const baseURL = String(form.get("baseURL") ?? "").trim();
    setSaving(true);
    setError(undefined);
    try {
      await apiFetch(`/api/settings/model-providers/${provider}`, {
        method: "PUT",
        json: { ...(apiKey ? { apiKey } : {}), ...(compatible && baseURL ? { baseURL } : {}) },
      });
      onSaved();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="mx-auto mt-12 max-w-lg rounded-xl border border-zinc-800 bg-zinc-900/40 p-6">
      <h2 className="text-lg font-semibold text-zinc-100">Connect a model</h2>
      <p className="mt-2 text-sm text-zinc-400">
        No model is configured for you yet. Paste a provider key, or point Kiln at a model server
        you run. The key is stored encrypted and used only for your requests.
      </p>
      {problems.map((p) => (
        <p key={p} className="mt-2 text-sm text-amber-300">
          {p}
        </p>
      ))}
      <form onSubmit={save} className="mt-5 space-y-4">
        {error ? <Alert tone="error">{error}</Alert> : null}
        <div className="space-y-1.5">
          <label htmlFor="setup-provider" className="block text-sm font-medium text-zinc-300">
            Provider
          </label>
          <select
            id="setup-provider"
            value={provider}
            onChange={(e) => setProvider(e.target.value as typeof provider)}
            className="block w-full rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-100"
          >
            {choices.map((c) => (
              <option key={c.provider} value={c.provider}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        {compatible ? (
          <TextField
            id="setup-base-url"
            name="baseURL"
            type="url"
            label="Server URL"
            placeholder="http://localhost:11434/v1"
            required
          />
        ) : null}
        <TextField
          id="setup-api-key"
          name="apiKey"
          type="password"
          label={compatible ? "API key (if the server needs one)" : "API key"}
          autoComplete="off"
          required={!compatible}
        />
        <Button type="submit" disabled={saving}>
          {saving ? "Saving…" : "Save and continue"}
        </Button>
      </form>
    </div>
  );
}
