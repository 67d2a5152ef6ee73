// A step's output as VERIFY_OUTPUT events: gathered for a moment and sent in pieces, so a chatty
// build writes a few events rather than one per line, and capped per run, so it cannot fill the
// event table; what is left out is said once, at the cap.

export interface OutputEvent {
  step: string;
  stream: "stdout" | "stderr";
  text: string;
}

export function outputBatcher(options: {
  emit: (payload: OutputEvent) => Promise<void>;
  /** Characters a run may send in all; the rest is counted, not sent. */
  capChars?: number;
  flushChars?: number;
}) {
  const cap = options.capChars ?? 200_000;
  const flushChars = options.flushChars ?? 8_000;
  let sent = 0;
  let dropped = 0;
  let pending: OutputEvent | undefined;
  let chain = Promise.resolve();

  const flush = () => {
    const piece = pending;
    pending = undefined;
    if (!piece || piece.text === "") return chain;
    chain = chain.then(() => options.emit(piece)).catch(() => {});
    return chain;
  };

  return {
    write(step: string, stream: OutputEvent["stream"], text: string) {
      const room = cap - sent;
      const kept = text.slice(0, Math.max(0, room));
      dropped += text.length - kept.length;
      if (kept === "") return;
      sent += kept.length;
      if (pending && (pending.step !== step || pending.stream !== stream)) void flush();
      pending = pending ? { ...pending, text: pending.text + kept } : { step, stream, text: kept };
      if (pending.text.length >= flushChars) void flush();
    },
    flush,
    /** Sends what is pending, and says how much the cap left out. */
    async close(step: string) {
      await flush();
      if (dropped > 0) {
        const note = {
          step,
          stream: "stderr" as const,
          text: `\n[${dropped} more characters of output were not kept]\n`,
        };
        dropped = 0;
        chain = chain.then(() => options.emit(note)).catch(() => {});
      }
      await chain;
    },
  };
}
