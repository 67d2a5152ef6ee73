import "server-only";
import { rm } from "node:fs/promises";
import path from "node:path";
import { latestApp } from "@/lib/chat/chats";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { readFolder } from "@/lib/files/folder-fragment";
import { type Fragment, fragmentFiles } from "@/lib/fragments/schema";
import { commitFiles } from "@/lib/git/git";
import type { DeploymentSource } from "./schemas";

// What a deployment that is not a project's run deploys: a chat's newest app, a fragment given
// inline, or a folder of the workspace. Its files are committed to a repository of the
// deployment's own under DATA_DIR/deploy-sources, so that it names one commit as a run's does:
// the providers build, restart and upload from a repository and a commit, whatever the source.

export interface DeploymentTarget {
  repoPath: string;
  commit: string;
  projectId: string | null;
  runId: string | null;
  source: DeploymentSource;
  /** The chat's id or the workspace folder; null for a run or an inline fragment. */
  sourceRef: string | null;
}

export const sourceRepoPath = (deploymentId: string) =>
  path.join(getEnv().dataDir, "deploy-sources", `${deploymentId}.git`);

/** Removes a deployment's own source repository, when it has one. */
export const removeSourceRepo = (deploymentId: string) =>
  rm(sourceRepoPath(deploymentId), { recursive: true, force: true });

/** The files of the source, committed for deployment `deploymentId`. */
export async function filesTarget(options: {
  userId: string;
  deploymentId: string;
  source: { chatId: string } | { fragment: Fragment } | { workspace: string };
}): Promise<DeploymentTarget> {
  const { userId, source } = options;
  let files: { path: string; content: string }[];
  let kind: DeploymentSource;
  let sourceRef: string | null = null;
  if ("chatId" in source) {
    const app = await latestApp(userId, source.chatId);
    if (!app) throw new KilnError("CONFLICT", "This chat has no app to deploy yet");
    files = fragmentFiles(app).map((f) => ({ path: f.file_path, content: f.code }));
    kind = "chat";
    sourceRef = source.chatId;
  } else if ("fragment" in source) {
    files = fragmentFiles(source.fragment).map((f) => ({ path: f.file_path, content: f.code }));
    kind = "fragment";
  } else {
    files = (await readFolder(userId, source.workspace)).map(({ path, content }) => ({
      path,
      content,
    }));
    kind = "workspace";
    sourceRef = source.workspace;
  }
  const repoPath = sourceRepoPath(options.deploymentId);
  const commit = await commitFiles(
    repoPath,
    files,
    `Deployment ${options.deploymentId}: ${kind}${sourceRef === null ? "" : ` ${sourceRef}`}`,
    "refs/heads/main",
  );
  return { repoPath, commit, projectId: null, runId: null, source: kind, sourceRef };
}
