"use client";

import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { useApiKeys } from "@/hooks/use-api-keys";
import { NewKeyNotice } from "./new-key-notice";

const formatTime = (iso: string | null) =>
  iso
    ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })
    : "Never";

export function ApiKeysPanel() {
  const { keys, error, create, revoke, errorMessage } = useApiKeys();
  const [created, setCreated] = useState<{ name: string; key: string }>();
  const [actionError, setActionError] = useState<string>();
  const [isCreating, setIsCreating] = useState(false);
  const [confirmingId, setConfirmingId] = useState<string>();

  async function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const name = String(new FormData(form).get("name") ?? "").trim();
    if (!name)
      return setActionError("Give the key a name, such as the script or machine that will use it.");
    setIsCreating(true);
    setActionError(undefined);
    try {
      const key = await create(name);
      setCreated({ name: key.name, key: key.key });
      form.reset();
    } catch (caught) {
      setActionError(errorMessage(caught));
    } finally {
      setIsCreating(false);
    }
  }

  async function onRevoke(id: string) {
    setActionError(undefined);
    try {
      await revoke(id);
    } catch (caught) {
      setActionError(errorMessage(caught));
    }
    setConfirmingId(undefined);
  }

  return (
    <section aria-labelledby="api-keys-title" className="space-y-5">
      <div>
        <h2 id="api-keys-title" className="text-lg font-semibold">
          API keys
        </h2>
        <p className="mt-1 text-sm text-zinc-400">
          Call Kiln from scripts and agents with{" "}
          <code className="text-zinc-300">Authorization: Bearer kiln_…</code>.
        </p>
      </div>
      <form onSubmit={onCreate} className="flex items-end gap-3">
        <div className="flex-1">
          <TextField
            id="key-name"
            name="name"
            label="New key name"
            placeholder="e.g. CI pipeline"
            maxLength={100}
          />
        </div>
        <Button type="submit" disabled={isCreating}>
          {isCreating ? "Creating…" : "Create key"}
        </Button>
      </form>
      {created ? (
        <NewKeyNotice
          name={created.name}
          secret={created.key}
          onDone={() => setCreated(undefined)}
        />
      ) : null}
      {actionError || error ? <Alert tone="error">{actionError ?? error}</Alert> : null}
      <div className="overflow-hidden rounded-lg border border-zinc-800">
        <table className="w-full text-left text-sm">
          <thead className="bg-zinc-900 text-xs uppercase tracking-wide text-zinc-400">
            <tr>
              <th className="px-4 py-2 font-medium">Name</th>
              <th className="px-4 py-2 font-medium">Key</th>
              <th className="px-4 py-2 font-medium">Created</th>
              <th className="px-4 py-2 font-medium">Last used</th>
              <th className="px-4 py-2" />
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-800">
            {keys?.length === 0 ? (
              <tr>
                <td colSpan={5} className="px-4 py-6 text-center text-zinc-400">
                  No API keys yet.
                </td>
              </tr>
            ) : null}
            {keys === undefined && !error ? (
              <tr>
                <td colSpan={5} className="px-4 py-6 text-center text-zinc-400">
                  Loading…
                </td>
              </tr>
            ) : null}
            {keys?.map((key) => (
              <tr key={key.id} data-testid="api-key-row">
                <td className="px-4 py-3 font-medium text-zinc-100">{key.name}</td>
                <td className="px-4 py-3 font-mono text-zinc-400">{key.prefix}…</td>
                <td className="px-4 py-3 text-zinc-400">{formatTime(key.createdAt)}</td>
                <td className="px-4 py-3 text-zinc-400" data-testid="api-key-last-used">
                  {formatTime(key.lastUsedAt)}
                </td>
                <td className="px-4 py-3 text-right">
                  {confirmingId === key.id ? (
                    <span className="inline-flex gap-2">
                      <Button variant="danger" onClick={() => onRevoke(key.id)}>
                        Confirm revoke
                      </Button>
                      <Button variant="ghost" onClick={() => setConfirmingId(undefined)}>
                        Cancel
                      </Button>
                    </span>
                  ) : (
                    <Button variant="secondary" onClick={() => setConfirmingId(key.id)}>
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
