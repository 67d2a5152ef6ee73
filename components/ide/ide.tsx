"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { useAutoRun } from "@/hooks/use-auto-run";
import { type Selection, useChatSession } from "@/hooks/use-chat-session";
import { useIdeData } from "@/hooks/use-ide-data";
import { useSandboxRun } from "@/hooks/use-sandbox-run";
import { useUndoableDelete } from "@/hooks/use-undoable-delete";
import type { ChatSummary } from "@/lib/chat/schemas";
import { ApiError, apiFetch } from "@/lib/client/fetch-json";
import { forgetRun } from "@/lib/client/run-memory";
import { ChatPanel } from "./chat-panel";
import { FragmentPanel, type View } from "./fragment-panel";
import { HistorySidebar } from "./history-sidebar";
import { ModelSetup } from "./model-setup";
import { type Pane, PaneSwitch } from "./pane-switch";
import { SandboxesPanel } from "./sandboxes-panel";

// The browser IDE: chat history, the conversation, and the app the model writes. What is busy,
// the template, the sandbox and the last run are each chat's own: opening another chat shows
// that chat's, while the one left goes on. A finished or edited fragment runs by itself unless
// Auto-run is off.

export function Ide() {
  const data = useIdeData();
  const run = useSandboxRun();
  const [autoRun, setAutoRun] = useAutoRun();
  const isAutoRun = useRef(autoRun);
  isAutoRun.current = autoRun;
  const session = useChatSession({
    onChatSaved: () => void data.reloadChats(),
    onFragmentDone: (key, chatId, fragment) => {
      if (isAutoRun.current) void run.run(key, chatId, fragment);
    },
  });
  const [model, setModel] = useState("");
  // Narrow screens show one pane at a time and the history in a drawer; wide ones show all.
  const [pane, setPane] = useState<Pane>("chat");
  const [view, setView] = useState<View>("code");
  const [isHistoryOpen, setIsHistoryOpen] = useState(false);
  const [missingChat, setMissingChat] = useState(false);
  const { deleteChat } = data;
  const deletion = useUndoableDelete<ChatSummary>(
    useCallback((id: string) => deleteChat(id).then(() => forgetRun(id)), [deleteChat]),
  );
  const { chatId, load } = session;
  const { loadChat } = data;
  const { restore } = run;

  /** Shows a chat with its stored messages, and its last run and sandbox. */
  const show = useCallback(
    async (id: string) => {
      const { chat, messages } = await loadChat(id);
      const key = load(id, messages, chat.template);
      await restore(key, id, chat.sbxId);
      return { key, messages };
    },
    [loadChat, load, restore],
  );

  // The open chat lives in the address (?chat=…), so a reload or a shared link reopens it;
  // with &run=1 (a workspace folder opened to run) its app runs once it is shown.
  const startRun = run.run;
  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const wanted = params.get("chat");
    if (!wanted) return;
    void show(wanted)
      .then(({ key, messages }) => {
        if (params.get("run") !== "1") return;
        const url = new URL(window.location.href);
        url.searchParams.delete("run");
        window.history.replaceState(null, "", url);
        const app = messages.findLast((m) => m.fragment && m.status === "complete")?.fragment;
        if (app) void startRun(key, wanted, app);
      })
      .catch((error) =>
        setMissingChat(error instanceof ApiError && [400, 404].includes(error.status)),
      );
  }, [show, startRun]);
  useEffect(() => {
    if (!isHistoryOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setIsHistoryOpen(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [isHistoryOpen]);
  useEffect(() => {
    const url = new URL(window.location.href);
    if ((url.searchParams.get("chat") ?? undefined) === chatId) return;
    if (chatId) url.searchParams.set("chat", chatId);
    else url.searchParams.delete("chat");
    window.history.replaceState(null, "", url);
  }, [chatId]);

  if (data.modelsError !== undefined) {
    return (
      <div role="alert" className="flex flex-1 flex-col items-center justify-center gap-3 p-8">
        <p className="text-sm text-zinc-300">Couldn’t load models — {data.modelsError}</p>
        <Button variant="secondary" onClick={data.retryModels}>
          Retry
        </Button>
      </div>
    );
  }
  if (data.models === undefined) {
    return <p className="p-8 text-sm text-zinc-400">Loading…</p>;
  }
  if (data.models.length === 0) {
    return <ModelSetup onSaved={() => void data.reloadModels()} problems={data.problems} />;
  }

  const chosen = data.models.find((m) => `${m.provider}:${m.id}` === model) ?? data.models[0];
  const template = session.template;
  const shownRun = run.stateOf(session.key);
  const selection: Selection = {
    template,
    ...(chosen ? { model: { id: chosen.id, providerId: chosen.provider } } : {}),
  };

  const open = async (id: string) => {
    setIsHistoryOpen(false);
    setMissingChat(false);
    await show(id);
  };
  /** Stops a sandbox of the user's; the runs in it say it stopped. */
  const stopSandbox = (sbxId: string) => {
    run.markGone(sbxId);
    void apiFetch(`/api/sandbox/${sbxId}`, { method: "DELETE" }).catch(() => {});
  };
  const choosePane = (next: Pane) => {
    setPane(next);
    if (next === "code") setView("code");
    if (next === "preview" && view === "code") setView("output");
  };
  const chooseView = (next: View) => {
    setView(next);
    if (pane !== "chat") setPane(next === "code" ? "code" : "preview");
  };
  const remove = (chat: ChatSummary) => {
    deletion.schedule(chat);
    const key = session.keyOf(chat.id);
    session.remove(chat.id);
    if (key) run.forget(key);
  };

  return (
    <div className="flex h-[calc(100dvh-3.5rem)] min-h-0 flex-col overflow-hidden">
      <PaneSwitch
        pane={pane}
        onPane={choosePane}
        isWriting={session.status === "writing"}
        isHistoryOpen={isHistoryOpen}
        onHistory={() => setIsHistoryOpen((isOpen) => !isOpen)}
      />
      <div className="grid min-h-0 flex-1 grid-cols-1 grid-rows-[minmax(0,1fr)] lg:grid-cols-[14rem_minmax(22rem,1fr)_minmax(0,1.4fr)]">
        {isHistoryOpen ? (
          <button
            type="button"
            aria-label="Close history"
            onClick={() => setIsHistoryOpen(false)}
            className="fixed inset-0 z-30 bg-black/60 lg:hidden"
          />
        ) : null}
        <aside
          id="chat-history"
          className={`${
            isHistoryOpen
              ? "fixed inset-y-0 left-0 z-40 flex w-72 max-w-[85vw] shadow-2xl"
              : "hidden"
          } min-h-0 flex-col border-r border-zinc-800 bg-zinc-950 lg:static lg:z-auto lg:flex lg:w-auto lg:max-w-none lg:shadow-none`}
        >
          <div className="min-h-0 flex-1">
            <HistorySidebar
              chats={data.chats}
              activeId={session.chatId}
              onOpen={(id) => void open(id)}
              templates={data.templates}
              deleting={deletion.pending}
              onRename={data.renameChat}
              onDelete={remove}
              onUndoDelete={deletion.undo}
              onNew={() => {
                setIsHistoryOpen(false);
                setMissingChat(false);
                setPane("chat");
                // The chat left is done with: its sandbox stops (it starts again on its next run).
                if (shownRun.sbxId && !shownRun.isSandboxGone) stopSandbox(shownRun.sbxId);
                session.reset();
              }}
            />
          </div>
          <SandboxesPanel
            refreshKey={run.signature}
            onStopped={run.markGone}
            onOpenChat={(id) => void open(id)}
          />
        </aside>
        <div
          className={`${pane === "chat" ? "flex" : "hidden"} min-h-0 flex-col border-zinc-800 lg:flex lg:border-r`}
        >
          {missingChat ? (
            <div
              role="alert"
              className="flex items-center gap-2 border-b border-zinc-800 bg-amber-950/40 px-4 py-2 text-sm text-amber-200"
            >
              <span className="flex-1">
                The chat in this link does not exist, or it was deleted. Start a new one here.
              </span>
              <button
                type="button"
                aria-label="Dismiss"
                onClick={() => setMissingChat(false)}
                className="px-1 text-amber-300 hover:text-amber-100"
              >
                ×
              </button>
            </div>
          ) : null}
          <div className="min-h-0 flex-1">
            <ChatPanel
              messages={session.messages}
              busy={session.status}
              error={session.error}
              hasFragment={session.hasFragment}
              models={data.models}
              model={chosen ? `${chosen.provider}:${chosen.id}` : ""}
              onModel={setModel}
              templates={data.templates}
              template={template}
              onTemplate={session.setTemplate}
              onSend={(prompt, example) => {
                if (example) session.setTemplate(example);
                void session.send(
                  prompt,
                  example ? { ...selection, template: example } : selection,
                );
              }}
              onStop={session.stop}
              onRetry={() => session.retry(selection)}
            />
          </div>
        </div>
        <div className={`${pane === "chat" ? "hidden" : "block"} min-h-0 bg-zinc-950 lg:block`}>
          <FragmentPanel
            key={session.key}
            fragment={session.shown}
            streaming={session.status === "writing"}
            run={shownRun}
            onRun={(fragment) => void run.run(session.key, session.chatId, fragment)}
            onStopOldest={() => {
              if (shownRun.fragment)
                void run.stopOldestAndRun(session.key, session.chatId, shownRun.fragment);
            }}
            unrunnable={session.unrunnable}
            current={session.current}
            previous={session.previous}
            autoRun={autoRun}
            onAutoRun={setAutoRun}
            view={view}
            onView={chooseView}
            chatId={session.chatId}
            workspacePath={
              data.chats?.find((chat) => chat.id === session.chatId)?.workspacePath ?? null
            }
            onVersionSaved={session.appendMessage}
          />
        </div>
      </div>
    </div>
  );
}
