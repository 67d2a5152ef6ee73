"use client";

import { type FormEvent, useState } from "react";
import { Button } from "@/components/ui/button";

/** Approve the latest version (in review), and ask for a new one with feedback. */
export function SpecActions({
  canApprove,
  isBusy,
  isApproving,
  onApprove,
  onRegenerate,
}: {
  canApprove: boolean;
  isBusy: boolean;
  isApproving: boolean;
  onApprove: () => void;
  onRegenerate: (feedback: string) => Promise<boolean>;
}) {
  const [feedback, setFeedback] = useState("");

  async function regenerate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (isBusy) return;
    if (await onRegenerate(feedback.trim())) setFeedback("");
  }

  return (
    <div className="grid items-start gap-4 md:grid-cols-[1fr_1.4fr]">
      {canApprove ? (
        <div className="rounded-lg border border-zinc-800 p-4">
          <h3 className="font-medium text-zinc-100">Approve</h3>
          <p className="mt-1 text-sm text-zinc-400">
            Approving freezes the latest version; builds are made from it.
          </p>
          <Button className="mt-3" onClick={onApprove} disabled={isBusy || isApproving}>
            {isApproving ? "Approving…" : "Approve spec"}
          </Button>
        </div>
      ) : null}
      <form
        onSubmit={regenerate}
        className={`rounded-lg border border-zinc-800 p-4 ${canApprove ? "" : "md:col-span-2"}`}
      >
        <label htmlFor="spec-feedback" className="font-medium text-zinc-100">
          Regenerate with feedback
        </label>
        <p className="mt-1 text-sm text-zinc-400">
          Say what to change; Kiln writes a new version and keeps this one.
        </p>
        <textarea
          id="spec-feedback"
          rows={3}
          maxLength={4000}
          value={feedback}
          onChange={(event) => setFeedback(event.target.value)}
          disabled={isBusy}
          placeholder="e.g. Cards also need labels; drop the export to CSV."
          className="mt-3 block w-full rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-100 placeholder:text-zinc-400 focus:border-orange-400 focus:outline-none focus:ring-1 focus:ring-orange-400"
        />
        <Button type="submit" variant="secondary" className="mt-3" disabled={isBusy}>
          Regenerate
        </Button>
      </form>
    </div>
  );
}
