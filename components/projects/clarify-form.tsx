"use client";

import { type FormEvent, useState } from "react";
import { Button } from "@/components/ui/button";
import type { Question } from "@/lib/specs/schemas";

export type Answer = { questionId: string; answer: string | boolean };

const inputClass =
  "block w-full rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-100 placeholder:text-zinc-400 focus:border-orange-400 focus:outline-none focus:ring-1 focus:ring-orange-400";

function YesNoSwitch({
  id,
  label,
  checked,
  onChange,
  disabled,
}: {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled: boolean;
}) {
  return (
    <button
      id={id}
      type="button"
      role="switch"
      aria-label={label}
      aria-checked={checked}
      disabled={disabled}
      onClick={() => onChange(!checked)}
      className="inline-flex items-center gap-3 rounded-md text-sm focus-visible:outline-2 focus-visible:outline-orange-400 disabled:opacity-50"
    >
      <span
        aria-hidden="true"
        className={`relative h-6 w-11 rounded-full transition-colors ${checked ? "bg-orange-500" : "bg-zinc-700"}`}
      >
        <span
          className={`absolute top-0.5 h-5 w-5 rounded-full bg-zinc-50 transition-all ${checked ? "left-5.5" : "left-0.5"}`}
        />
      </span>
      <span className="font-medium text-zinc-100">{checked ? "Yes" : "No"}</span>
    </button>
  );
}

/** The clarifying questions, each starting at its recommended answer. */
export function ClarifyForm({
  questions,
  isBusy,
  onSubmit,
  onAskAgain,
}: {
  questions: Question[];
  isBusy: boolean;
  onSubmit: (answers: Answer[]) => void;
  onAskAgain: () => void;
}) {
  const [answers, setAnswers] = useState<Record<string, string | boolean>>(() =>
    Object.fromEntries(questions.map((q) => [q.id, q.recommended])),
  );
  const set = (id: string, value: string | boolean) =>
    setAnswers((current) => ({ ...current, [id]: value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (isBusy) return;
    onSubmit(
      questions.flatMap((q) => {
        const answer = answers[q.id];
        // A text answer left empty takes the recommended one; the spec says it was assumed.
        if (answer === undefined || (typeof answer === "string" && answer.trim() === "")) return [];
        return [{ questionId: q.id, answer }];
      }),
    );
  }

  return (
    <form onSubmit={submit} className="space-y-4" data-testid="clarify-form">
      {questions.length === 0 ? (
        <p className="rounded-lg border border-zinc-800 p-4 text-sm text-zinc-300">
          The description answers everything that matters: no questions needed. Kiln can write the
          spec now.
        </p>
      ) : null}
      {questions.map((q, index) => (
        <fieldset
          key={q.id}
          data-testid="clarify-question"
          className="min-w-0 rounded-lg border border-zinc-800 p-4"
        >
          <legend className="sr-only">{q.question}</legend>
          <p className="font-medium text-zinc-100" aria-hidden="true">
            <span className="text-zinc-400">{index + 1}.</span> {q.question}
          </p>
          <p className="mt-1 text-sm text-zinc-400">
            <span className="text-zinc-400">Why it matters:</span> {q.why}
          </p>
          <div className="mt-3">
            {q.type === "single_choice" ? (
              <div className="space-y-2">
                {q.options.map((option) => (
                  <label key={option} className="flex items-start gap-2 text-sm text-zinc-200">
                    <input
                      type="radio"
                      name={q.id}
                      value={option}
                      checked={answers[q.id] === option}
                      // Not disabled while the spec is written: a disabled radio hides which
                      // answer was chosen. Changes then wait for the step to end.
                      onChange={() => !isBusy && set(q.id, option)}
                      aria-disabled={isBusy || undefined}
                      className="mt-0.5 accent-orange-500"
                    />
                    <span className="min-w-0 break-words">
                      {option}
                      {option === q.recommended ? (
                        <span className="ml-2 text-xs text-orange-300">recommended</span>
                      ) : null}
                    </span>
                  </label>
                ))}
              </div>
            ) : null}
            {q.type === "boolean" ? (
              <div className="flex flex-wrap items-center gap-3">
                <YesNoSwitch
                  id={`answer-${q.id}`}
                  label={q.question}
                  checked={answers[q.id] === true}
                  onChange={(value) => set(q.id, value)}
                  disabled={isBusy}
                />
                <span className="text-xs text-zinc-400">
                  Recommended: {q.recommended ? "yes" : "no"}
                </span>
              </div>
            ) : null}
            {q.type === "text" ? (
              <input
                aria-label={q.question}
                className={inputClass}
                value={String(answers[q.id] ?? "")}
                onChange={(event) => set(q.id, event.target.value)}
                placeholder={q.recommended}
                maxLength={2000}
                disabled={isBusy}
              />
            ) : null}
          </div>
        </fieldset>
      ))}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={isBusy}>
          Write the spec
        </Button>
        <Button variant="ghost" onClick={onAskAgain} disabled={isBusy}>
          Ask different questions
        </Button>
      </div>
    </form>
  );
}
