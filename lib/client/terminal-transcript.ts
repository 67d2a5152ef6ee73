// A sandbox's terminal as this browser last showed it: what was written, the directory and the
// commands typed, so that switching views or chats, or a reload, shows it again. Kept in
// localStorage by sandbox id; best effort, capped.

const prefix = "kiln.terminal.";
const maxChars = 50_000;
const maxCommands = 200;

export interface Transcript {
  text: string;
  cwd: string;
  history: string[];
}

export function recallTranscript(sbxId: string): Transcript | undefined {
  try {
    const stored = localStorage.getItem(prefix + sbxId);
    const value = stored ? (JSON.parse(stored) as Partial<Transcript>) : undefined;
    if (typeof value?.text !== "string" || typeof value.cwd !== "string") return undefined;
    const history = Array.isArray(value.history)
      ? value.history.filter((c) => typeof c === "string")
      : [];
    return { text: value.text, cwd: value.cwd, history };
  } catch {
    return undefined;
  }
}

export function keepTranscript(sbxId: string, transcript: Transcript): void {
  try {
    localStorage.setItem(
      prefix + sbxId,
      JSON.stringify({
        text: transcript.text.slice(-maxChars),
        cwd: transcript.cwd,
        history: transcript.history.slice(-maxCommands),
      }),
    );
  } catch {
    // Storage full or off: the terminal starts empty next time.
  }
}
