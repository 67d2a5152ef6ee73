"use client";

import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef } from "react";
import { usePrefersDark } from "@/hooks/use-prefers-dark";
import { postEventStream } from "@/lib/client/event-stream";
import { errorMessage } from "@/lib/client/fetch-json";
import { keepTranscript, recallTranscript } from "@/lib/client/terminal-transcript";
import type { TerminalResult } from "@/lib/sandbox/result-schemas";
import { cdOutsideWorkspace, cdOutsideWorkspaceNote } from "./terminal-notes";

// A terminal bound to the fragment's sandbox. Each line typed runs as one command through
// POST /api/terminal (streamed), in the directory the previous command left; Ctrl+C stops a
// running command, and the arrow keys walk the history. What it showed is kept per sandbox,
// so it comes back after a view or chat switch, or a reload. The terminal takes Tab for
// itself, so Esc hands the focus back to the page (to the terminal's frame, from where Tab and
// Shift+Tab go on).

const reset = "\x1b[0m";

const themes = {
  dark: { background: "#09090b", foreground: "#e4e4e7", cursor: "#e4e4e7" },
  light: {
    background: "#fafafa",
    foreground: "#18181b",
    cursor: "#18181b",
    // The ANSI colours used for the prompt, errors and notes, dark enough on white.
    yellow: "#a16207",
    red: "#b91c1c",
    brightBlack: "#52525b",
    selectionBackground: "#d4d4d8",
  },
};

export function TerminalPanel({ sbxId }: { sbxId: string | undefined }) {
  const host = useRef<HTMLDivElement>(null);
  const frame = useRef<HTMLElement>(null);
  const isDark = usePrefersDark();
  const terminal = useRef<{ options: { theme?: object } } | undefined>(undefined);

  useEffect(() => {
    if (terminal.current) terminal.current.options.theme = isDark ? themes.dark : themes.light;
  }, [isDark]);

  useEffect(() => {
    if (!sbxId || !host.current) return;
    const element = host.current;
    let disposed = false;
    let cleanup = () => {};
    void (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([
        import("@xterm/xterm"),
        import("@xterm/addon-fit"),
      ]);
      if (disposed) return;
      const term = new Terminal({
        convertEol: true,
        cursorBlink: true,
        fontSize: 12,
        theme: window.matchMedia("(prefers-color-scheme: dark)").matches
          ? themes.dark
          : themes.light,
      });
      terminal.current = term;
      term.attachCustomKeyEventHandler((event) => {
        if (event.key !== "Escape") return true;
        if (event.type === "keydown") frame.current?.focus();
        return false;
      });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(element);
      fit.fit();
      const observer = new ResizeObserver(() => fit.fit());
      observer.observe(element);

      const saved = recallTranscript(sbxId);
      let text = saved?.text ?? "";
      let cwd = saved?.cwd ?? "/workspace";
      let line = "";
      let running: { commandId?: string; abort: AbortController } | undefined;
      const history: string[] = saved?.history ?? [];
      const write = (chunk: string) => {
        term.write(chunk);
        text += chunk;
      };
      // Where the prompt now shown starts: kept without it, the terminal comes back with a fresh one.
      let promptAt = 0;
      const keep = () =>
        keepTranscript(sbxId, { text: running ? text : text.slice(0, promptAt), cwd, history });
      let back = 0;
      const prompt = () => {
        promptAt = text.length;
        write(`\x1b[33m${cwd}${reset} $ `);
      };
      const replaceLine = (next: string) => {
        write("\b \b".repeat(line.length));
        line = next;
        write(line);
      };

      const execute = async (command: string) => {
        const abort = new AbortController();
        running = { abort };
        const outside = cdOutsideWorkspace(command, cwd);
        try {
          await postEventStream(
            "/api/terminal",
            { command, sbxId, workingDirectory: cwd },
            (event, data) => {
              const payload = data as { text?: string; commandId?: string; exitCode?: number };
              if (event === "start" && running) running.commandId = payload.commandId;
              else if (event === "stdout") write(payload.text ?? "");
              else if (event === "stderr") write(`\x1b[31m${payload.text ?? ""}${reset}`);
              else if (event === "exit") {
                const exit = data as TerminalResult;
                if (outside && exit.workingDirectory === cwd)
                  write(`\x1b[90m${cdOutsideWorkspaceNote(outside)}${reset}\n`);
                cwd = exit.workingDirectory;
                if (exit.limit) write(`\x1b[31m[stopped: ${exit.limit} limit]${reset}\n`);
                else if (exit.exitCode !== 0) write(`\x1b[90m[exit ${exit.exitCode}]${reset}\n`);
              }
            },
            abort.signal,
          );
        } catch (error) {
          if (!abort.signal.aborted) write(`\x1b[31m${errorMessage(error)}${reset}\n`);
        }
        running = undefined;
        prompt();
        keep();
      };

      if (saved) {
        term.write(saved.text);
      } else {
        write(
          `\x1b[90mSandbox ${sbxId}. Commands run in /workspace, offline. Esc leaves the terminal.${reset}\n`,
        );
      }
      prompt();
      const input = term.onData((data) => {
        if (running) {
          if (data === "\x03" && running.commandId) {
            void fetch(`/api/terminal/${running.commandId}`, { method: "DELETE" });
            write("^C\n");
          }
          return;
        }
        if (data === "\r") {
          write("\n");
          const command = line.trim();
          line = "";
          back = 0;
          if (!command) return prompt();
          history.push(command);
          if (command === "clear") {
            term.clear();
            text = "";
            return prompt();
          }
          void execute(command);
        } else if (data === "\x7f") {
          if (line.length > 0) {
            line = line.slice(0, -1);
            write("\b \b");
          }
        } else if (data === "\x03") {
          line = "";
          write("^C\n");
          prompt();
        } else if (data === "\x1b[A" || data === "\x1b[B") {
          back = Math.max(0, Math.min(history.length, back + (data === "\x1b[A" ? 1 : -1)));
          replaceLine(back === 0 ? "" : (history[history.length - back] ?? ""));
        } else if (!data.startsWith("\x1b")) {
          const printable = [...data].filter((c) => c >= " ").join("");
          line += printable;
          write(printable);
        }
      });
      cleanup = () => {
        keep();
        running?.abort.abort();
        input.dispose();
        observer.disconnect();
        term.dispose();
        terminal.current = undefined;
      };
    })();
    return () => {
      disposed = true;
      cleanup();
    };
  }, [sbxId]);

  if (!sbxId) {
    return (
      <p className="p-8 text-center text-sm text-zinc-400">
        Run the fragment first: the terminal opens in its sandbox.
      </p>
    );
  }
  // Absolutely placed, so that the terminal's own size never feeds back into its container's.
  return (
    <section
      ref={frame}
      tabIndex={-1}
      aria-label="Terminal"
      className="relative h-full min-h-0 focus:outline-2 focus:-outline-offset-2 focus:outline-orange-400"
    >
      <div ref={host} data-testid="terminal" className="absolute inset-0 p-2" />
    </section>
  );
}
