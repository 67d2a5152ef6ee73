import "server-only";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { KilnError } from "@/lib/errors";
import { exportFile } from "./export-rows";
import { getExportOrThrow } from "./get-export-or-throw";

/**
 * A completed export's zip as a stream read from disk as the client takes it. The file is
 * opened before anything is sent, so a sweep that deletes it meanwhile cannot cut a download
 * short.
 */
export async function openExportDownload(options: {
  userId: string;
  projectId: string;
  exportId: string;
}): Promise<{ stream: ReadableStream<Uint8Array>; fileName: string }> {
  const found = await getExportOrThrow(options);
  if (found.status !== "completed") {
    throw new KilnError(
      "CONFLICT",
      found.status === "processing"
        ? `Export ${found.id} is still being made; download it once its status is completed`
        : `Export ${found.id} failed${found.error ? `: ${found.error}` : ""}; export the run again`,
      { details: { status: found.status } },
    );
  }
  const handle = await open(exportFile(found.id), "r").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") {
      throw new KilnError("NOT_FOUND", `Export ${found.id}'s file is gone; export the run again`);
    }
    throw error;
  });
  const nodeStream = createReadStream(exportFile(found.id), { fd: handle, autoClose: true });
  return {
    stream: Readable.toWeb(nodeStream) as ReadableStream<Uint8Array>,
    fileName: found.fileName,
  };
}
