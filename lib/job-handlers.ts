import "server-only";
import { exportJobKind } from "@/lib/exports/create-export";
import { makeExportZip } from "@/lib/exports/make-export-zip";
import type { JobHandler } from "@/lib/queue/workers";
import { decomposeRun } from "@/lib/runs/decompose-run";
import { executeTask } from "@/lib/runs/execute-task";
import { mergeRun } from "@/lib/runs/merge-run";
import { verifyRun } from "@/lib/runs/verify";
import { verifyRunJob } from "@/lib/runs/verify-job";

// Every kind of background job Kiln runs, and its handler: the one list both the workers in
// the Kiln process and `npm run worker` processes run from. Domains add their kinds here.
export const jobHandlers: Record<string, JobHandler> = {
  [exportJobKind]: makeExportZip,
  "run.decompose": decomposeRun,
  "run.task": executeTask,
  "run.merge": mergeRun,
  "run.verify": verifyRunJob(verifyRun),
};
