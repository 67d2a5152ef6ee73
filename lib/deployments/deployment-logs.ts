import "server-only";
import { getDb } from "@/lib/db/client";
import { appendEvent, followEvents, type StoredEvent } from "@/lib/events/events";
import { type SseWriter, sseFrame } from "@/lib/http/sse";
import { log } from "@/lib/log";
import { OutputBatcher, type OutputStream } from "@/lib/runs/verify-output";
import { getDeploymentRowOrThrow } from "./get-deployment-or-throw";

// A deployment's logs: what its build and its app write, as rows of the event table (stream
// `deployment:<id>`, type DEPLOYMENT_LOG), batched a few a second and capped per start so a
// chatty app cannot flood it. Read over SSE, replayed from Last-Event-ID and then followed.

const logType = "DEPLOYMENT_LOG";
/** Characters kept of one build, and of one start of the app (its restarts included). */
const budgetChars = 2 * 1024 * 1024;

export const deploymentStream = (id: string) => `deployment:${id}`;

export interface DeploymentLog {
  write(stream: OutputStream, text: string): void;
  close(): Promise<void>;
}

/** Where the output of one step ("build" or "app") of a deployment goes. */
export function deploymentLog(id: string, step: "build" | "app"): DeploymentLog {
  const batcher = new OutputBatcher(
    step,
    async (payload) => {
      await appendEvent(await getDb(), { stream: deploymentStream(id), type: logType, payload });
    },
    { remaining: budgetChars },
  );
  return {
    write: (stream, text) => batcher.write(stream, text),
    close: () =>
      batcher.close().catch((error) => log.warn("deployment log not kept", { id, error })),
  };
}

const frameOf = (stored: StoredEvent) =>
  sseFrame(
    "log",
    { ...stored.payload, seq: stored.seq, createdAt: stored.createdAt },
    String(stored.seq),
  );

/** Looks the deployment up (404 for anyone but its owner) and returns what streams its logs. */
export async function openDeploymentLogStream(options: {
  userId: string;
  deploymentId: string;
  after: number | undefined;
}): Promise<(writer: SseWriter) => Promise<void>> {
  const row = await getDeploymentRowOrThrow(options);
  const db = await getDb();
  return (writer) =>
    new Promise<void>((resolve) => {
      if (writer.signal.aborted) return resolve();
      const stop = followEvents(
        db,
        deploymentStream(row.id),
        options.after ?? 0,
        (stored) => writer.sendFrame(frameOf(stored)),
        writer.signal,
      );
      writer.signal.addEventListener(
        "abort",
        () => {
          stop();
          resolve();
        },
        { once: true },
      );
    });
}
