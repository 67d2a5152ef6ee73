"use client";

import { type Tab, TabList, tabId } from "@/components/ui/tab-list";
import { useDeployment } from "@/hooks/use-deployment";
import type { FragmentView, MessageView, SandboxRunState } from "@/lib/client/ide-types";
import { fragmentFiles } from "@/lib/fragments/files";
import { CodePane } from "./code-pane";
import { DeploymentLine } from "./deployment-line";
import { RunControls } from "./run-controls";
import { RunOutput } from "./run-output";
import { TerminalPanel } from "./terminal-panel";

// The fragment on show: its card (title, template, description, dependencies, Run and Auto-run)
// and three views: its code (code-pane.tsx), the lines the last edit changed highlighted; what
// running it produced; and a terminal in its sandbox.

export type View = "code" | "output" | "terminal";

/** Whether two versions of a fragment run the same: same template, same files. */
export const sameVersion = (a: FragmentView | undefined, b: FragmentView | undefined) =>
  Boolean(a && b) &&
  a?.template === b?.template &&
  JSON.stringify(fragmentFiles(a ?? {})) === JSON.stringify(fragmentFiles(b ?? {}));

const panelId = (view: View) => `fragment-${view}`;

export function FragmentPanel({
  fragment,
  streaming,
  run,
  onRun,
  onStopOldest,
  unrunnable,
  current,
  previous,
  autoRun,
  onAutoRun,
  view,
  onView: setView,
  chatId,
  workspacePath,
  onVersionSaved,
}: {
  fragment: FragmentView | undefined;
  streaming: boolean;
  run: SandboxRunState;
  onRun: (fragment: FragmentView) => void;
  onStopOldest: () => void;
  /** Why the fragment on show cannot run (a failed or stopped attempt). */
  unrunnable: string | undefined;
  /** The newest finished version, runnable when the one on show is not. */
  current: FragmentView | undefined;
  /** The finished version before the one on show: its changed lines are highlighted. */
  previous: FragmentView | undefined;
  autoRun: boolean;
  onAutoRun: (on: boolean) => void;
  view: View;
  onView: (view: View) => void;
  chatId: string | undefined;
  /** The workspace folder the chat was opened on, if it was. */
  workspacePath: string | null;
  onVersionSaved: (message: MessageView) => void;
}) {
  const deployment = useDeployment(chatId);
  if (!fragment) {
    return (
      <div className="flex h-full items-center justify-center p-8 text-center text-sm text-zinc-400">
        <p>The app the model writes appears here: its files, as they are written.</p>
      </div>
    );
  }
  const dependencies = fragment.additional_dependencies ?? [];
  const tabs: Tab<View>[] = (["code", "output", "terminal"] as const).map((v) => ({
    id: v,
    label:
      v === "output" ? (fragment.port ? "Preview" : "Output") : v === "code" ? "Code" : "Terminal",
    panelId: panelId(v),
  }));
  const panel = (v: View) => ({
    id: panelId(v),
    role: "tabpanel",
    "aria-labelledby": tabId(v),
    hidden: view !== v,
    className: "min-h-0 flex-1",
  });

  return (
    <section aria-label="Fragment" className="flex h-full min-h-0 flex-col">
      <header className="border-b border-zinc-800 px-4 py-3" data-testid="fragment-card">
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="min-w-0 max-w-full truncate font-semibold text-zinc-100">
            {fragment.title || "Untitled app"}
          </h2>
          {fragment.template ? (
            <span className="whitespace-nowrap rounded bg-zinc-900 px-2 py-0.5 font-mono text-xs text-orange-300">
              {fragment.template}
            </span>
          ) : null}
          {fragment.port ? (
            <span className="whitespace-nowrap text-xs text-zinc-400">port {fragment.port}</span>
          ) : null}
          <RunControls
            fragment={fragment}
            streaming={streaming}
            isRunning={run.status === "running"}
            unrunnable={unrunnable}
            current={current}
            autoRun={autoRun}
            onAutoRun={onAutoRun}
            onRun={(version) => {
              setView("output");
              onRun(version);
            }}
            onShowOutput={() => setView("output")}
            onDeploy={fragment.port ? (version) => void deployment.deploy(version) : undefined}
            isDeploying={deployment.state.status === "deploying"}
          />
        </div>
        {fragment.description ? (
          <p className="mt-1 text-sm text-zinc-400">{fragment.description}</p>
        ) : null}
        {dependencies.length > 0 ? (
          <p className="mt-1 font-mono text-xs text-zinc-400">+ {dependencies.join(", ")}</p>
        ) : null}
        <DeploymentLine state={deployment.state} />
      </header>
      <TabList
        label="View"
        tabs={tabs}
        selected={view}
        onSelect={setView}
        className="flex gap-1 border-b border-zinc-800 px-2"
        tabClassName={(isSelected) =>
          `border-b-2 px-3 py-1.5 text-xs ${
            isSelected
              ? "border-orange-400 text-zinc-100"
              : "border-transparent text-zinc-400 hover:text-zinc-200"
          }`
        }
      />
      <div {...panel("output")}>
        {view === "output" ? (
          <RunOutput
            run={run}
            isOutdated={run.status === "done" && !sameVersion(run.fragment, fragment)}
            onStopOldest={onStopOldest}
          />
        ) : null}
      </div>
      <div {...panel("terminal")}>
        {view === "terminal" ? (
          <TerminalPanel sbxId={run.isSandboxGone ? undefined : run.sbxId} />
        ) : null}
      </div>
      <div {...panel("code")}>
        <CodePane
          fragment={fragment}
          previous={previous}
          streaming={streaming}
          chatId={chatId}
          workspacePath={workspacePath}
          onSaved={onVersionSaved}
        />
      </div>
    </section>
  );
}
