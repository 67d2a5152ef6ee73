import "server-only";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { KilnError } from "@/lib/errors";
import { runInSandbox } from "@/lib/sandbox/local/bwrap";
import {
  ensureWorkspaceDirectory,
  isNonEmptyDirectory,
  writeWorkspaceFile,
} from "@/lib/sandbox/local/workspace";
import { sandboxRoot } from "@/lib/sandbox/sandbox-paths";
import type { PreparedTemplate } from "./template-cache";

// A prepared template (template-cache.ts) put to use in one sandbox's workspace: its scaffold
// written in, and the cache's node_modules mounted read-only or, for a fragment that installs
// more, copied in. Apart from the cache because it changes a workspace, never the cache entry.

/**
 * Writes the scaffold files the workspace lacks (never over the fragment's own) and makes
 * node_modules a plain directory: the mount point of the cache's node_modules.
 */
export async function seedWorkspace(options: { workspace: string; prepared: PreparedTemplate }) {
  const { workspace, prepared } = options;
  const files = [...prepared.files];
  if (prepared.dir && !files.some((file) => file.path === "package-lock.json")) {
    const lockfile = await readFile(path.join(prepared.dir, "package-lock.json"), "utf8").catch(
      () => undefined,
    );
    if (lockfile) files.push({ path: "package-lock.json", content: lockfile });
  }
  for (const file of files) {
    // An existing file, or a link the sandbox made, is left as it is.
    await writeWorkspaceFile(workspace, file.path, file.content, { ifMissing: true });
  }
  // bwrap refuses to mount on a link or a file, and the sandbox would not start.
  if (prepared.nodeModules) await ensureWorkspaceDirectory(workspace, "node_modules");
}

/**
 * The read-only bind of the cache's node_modules over /workspace/node_modules; none when the
 * workspace has its own node_modules (see copyTemplateDependencies) or nothing was prepared.
 */
export async function templateBinds(
  prepared: Pick<PreparedTemplate, "nodeModules">,
  options: { workspace?: string } = {},
): Promise<{ host: string; sandbox: string }[]> {
  if (!prepared.nodeModules) return [];
  if (options.workspace && (await isNonEmptyDirectory(options.workspace, "node_modules"))) {
    return [];
  }
  return [{ host: prepared.nodeModules, sandbox: `${sandboxRoot}/node_modules` }];
}

const templateModulesInSandbox = "/opt/kiln/template-node_modules";
// Inside the sandbox, so that whatever the sandbox's own processes do to the workspace while
// it runs, a link resolves in the sandbox and never on the host. cp -a copies Next.js's 17,000
// files in a sixth of the time fs.cp takes; the copy appears whole or not at all.
const copyScript = [
  "set -e",
  'partial="$(mktemp -d /workspace/.kiln-node-modules-XXXXXX)"',
  "trap 'rm -rf \"$partial\"' EXIT",
  `cp -a ${templateModulesInSandbox}/. "$partial"`,
  "rm -rf /workspace/node_modules",
  'mv "$partial" /workspace/node_modules',
  "trap - EXIT",
].join("\n");

/**
 * Gives the workspace its own, writable copy of the template's node_modules, for a fragment that
 * installs more packages: npm cannot add to the read-only mount, and bundlers (webpack, Turbopack,
 * Vite) ignore NODE_PATH, so a second node_modules beside it would not be found. Afterwards
 * templateBinds mounts nothing over the copy.
 */
export async function copyTemplateDependencies(options: {
  workspace: string;
  prepared: PreparedTemplate;
  bwrap?: string;
}) {
  const { workspace, prepared } = options;
  if (!prepared.nodeModules || (await isNonEmptyDirectory(workspace, "node_modules"))) return;
  await seedWorkspace({ workspace, prepared });
  const result = await runInSandbox({
    workspace,
    command: ["/bin/sh", "-c", copyScript],
    readOnlyBinds: [{ host: prepared.nodeModules, sandbox: templateModulesInSandbox }],
    limits: { wallMs: 5 * 60_000, fileBytes: 1024 * 1024 * 1024 },
    bwrap: options.bwrap,
  }).done;
  if (result.exitCode !== 0) {
    throw new KilnError(
      "SERVICE_UNAVAILABLE",
      `The template's packages could not be copied into the sandbox${
        result.limit ? ` (limit: ${result.limit})` : ""
      }: ${result.stderr.slice(-500)}`,
      { reason: "template_copy_failed" },
    );
  }
}
