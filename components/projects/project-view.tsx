"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import { ProjectRuns } from "@/components/runs/project-runs";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useModelStep } from "@/hooks/use-model-step";
import { v1Fetch } from "@/lib/client/fetch-json";
import { plainError } from "@/lib/client/v1-event-stream";
import type { ProjectDetail } from "@/lib/projects/schemas";
import { canApply } from "@/lib/projects/states";
import type { Question } from "@/lib/specs/schemas";
import { ArchiveControl } from "./archive-control";
import { BusyPanel } from "./busy-panel";
import { type Answer, ClarifyForm } from "./clarify-form";
import { SpecActions } from "./spec-actions";
import { SpecReview } from "./spec-review";
import { StatusBadge } from "./status-badge";

const loadingQuestions = "Loading the questions";

const formatTime = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A project and its next step: questions, answers, the spec's review, approval. */
export function ProjectView({ initial }: { initial: ProjectDetail }) {
  const [project, setProject] = useState(initial);
  const [questions, setQuestions] = useState<Question[]>();
  const [isApproving, setIsApproving] = useState(false);
  const [actionError, setActionError] = useState<string>();
  const step = useModelStep();
  const base = `/api/v1/projects/${project.id}`;
  const error = step.error ?? actionError;

  const reload = useCallback(async () => {
    try {
      setProject(await v1Fetch<ProjectDetail>(base));
    } catch (caught) {
      setActionError(plainError(caught));
    }
  }, [base]);

  const ask = useCallback(
    async (label: string, refresh: boolean) => {
      setActionError(undefined);
      const result = await step.run<{ questions: Question[] }>(
        label,
        `${base}/clarify${refresh ? "?refresh=true" : ""}`,
        {},
      );
      if (!result) return;
      setQuestions(result.questions);
      await reload();
    },
    [base, reload, step.run],
  );

  // The questions of a project in `clarifying` are stored: asking again without refresh returns
  // them without calling the model. Once per visit, so a failure is shown, not retried.
  const loadedQuestions = useRef(false);
  useEffect(() => {
    if (project.status !== "clarifying" || loadedQuestions.current) return;
    loadedQuestions.current = true;
    void ask(loadingQuestions, false);
  }, [project.status, ask]);

  async function answer(answers: Answer[]) {
    setActionError(undefined);
    if (await step.run("Writing the spec", `${base}/answers`, { answers })) await reload();
  }

  async function regenerate(feedback: string) {
    setActionError(undefined);
    const result = await step.run(
      "Writing a new version of the spec",
      `${base}/regenerate`,
      feedback ? { feedback } : {},
    );
    if (result) await reload();
    return result !== undefined;
  }

  async function approve() {
    setIsApproving(true);
    setActionError(undefined);
    step.setError(undefined);
    try {
      await v1Fetch(`${base}/approve`, { method: "POST", json: {} });
      await reload();
    } catch (caught) {
      setActionError(plainError(caught));
    } finally {
      setIsApproving(false);
    }
  }

  const { status, spec } = project;
  const isArchived = status === "archived";

  return (
    <div className="min-w-0 space-y-8">
      <header className="space-y-3">
        <Link href="/projects" className="text-sm text-zinc-400 hover:text-zinc-100">
          ← Projects
        </Link>
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0 space-y-2">
            <div className="flex flex-wrap items-center gap-3">
              <h1 className="min-w-0 break-words text-2xl font-semibold tracking-tight">
                {project.name}
              </h1>
              <StatusBadge status={status} />
            </div>
            <p className="text-xs text-zinc-400">
              Created {formatTime(project.createdAt)} · updated {formatTime(project.updatedAt)}
            </p>
          </div>
          {isArchived ? null : (
            <ArchiveControl
              projectId={project.id}
              disabled={step.isBusy}
              onError={setActionError}
            />
          )}
        </div>
        {project.description ? (
          <p className="max-w-3xl whitespace-pre-wrap break-words text-sm leading-6 text-zinc-300">
            {project.description}
          </p>
        ) : (
          <p className="text-sm text-zinc-400">No description.</p>
        )}
      </header>

      {error ? <Alert tone="error">{error}</Alert> : null}
      {step.busyLabel ? (
        <BusyPanel
          label={step.busyLabel}
          progress={step.progress}
          isModelWriting={step.busyLabel !== loadingQuestions}
        />
      ) : null}

      {status === "draft" ? (
        <section className="rounded-lg border border-zinc-800 p-5" aria-label="Next step">
          <h2 className="text-lg font-semibold">Next: clarifying questions</h2>
          <p className="mt-1 text-sm text-zinc-400">
            Kiln asks up to five questions about what the description leaves open, each with a
            recommended answer and why it matters.
          </p>
          <Button
            className="mt-4"
            disabled={step.isBusy}
            onClick={() => ask("Asking clarifying questions", false)}
          >
            Ask clarifying questions
          </Button>
        </section>
      ) : null}

      {status === "clarifying" && questions ? (
        <section aria-labelledby="questions-title" className="space-y-4">
          <div>
            <h2 id="questions-title" className="text-lg font-semibold">
              Clarifying questions
            </h2>
            <p className="mt-1 text-sm text-zinc-400">
              Recommended answers are already chosen; change what does not fit. Kiln then writes the
              spec.
            </p>
          </div>
          <ClarifyForm
            key={questions.map((q) => q.id + q.question).join("|")}
            questions={questions}
            isBusy={step.isBusy}
            onSubmit={answer}
            onAskAgain={() => ask("Asking different questions", true)}
          />
        </section>
      ) : null}

      {status === "approved" && spec?.approvedAt ? (
        <Alert tone="success">
          Version {spec.version} was approved {formatTime(spec.approvedAt)}. Builds are made from
          it.
        </Alert>
      ) : null}
      {status === "building" ? (
        <Alert tone="warning">A build is running from the approved spec.</Alert>
      ) : null}
      {isArchived ? (
        <Alert tone="warning">
          This project is archived. Its repository and spec history are kept, read-only.
        </Alert>
      ) : null}

      {isArchived || status === "draft" || status === "clarifying" ? null : (
        <ProjectRuns projectId={project.id} canStart={canApply("build", status)} />
      )}
      {spec && canApply("regenerate", status) ? (
        <SpecActions
          canApprove={canApply("approve", status)}
          isBusy={step.isBusy}
          isApproving={isApproving}
          onApprove={approve}
          onRegenerate={regenerate}
        />
      ) : null}
      {spec ? <SpecReview projectId={project.id} latest={spec} /> : null}
    </div>
  );
}
