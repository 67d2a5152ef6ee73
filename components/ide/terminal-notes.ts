// Sandboxes keep every command inside /workspace: a `cd` that would leave it is ignored by the
// sandbox, so the terminal says why the prompt did not move.

const workspace = "/workspace";

/** Where a plain `cd <dir>` would lead from `cwd`, when that is outside the workspace. */
export function cdOutsideWorkspace(command: string, cwd: string): string | undefined {
  const match = /^cd(?:\s+(\S+))?\s*$/.exec(command.trim());
  if (!match) return undefined;
  const target = match[1] ?? "~";
  if (target === "-" || target.includes("$")) return undefined;
  const expanded = target === "~" || target.startsWith("~/") ? workspace + target.slice(1) : target;
  const resolved = resolvePath(cwd, expanded);
  return resolved === workspace || resolved.startsWith(`${workspace}/`) ? undefined : resolved;
}

export function cdOutsideWorkspaceNote(resolved: string): string {
  return `cd: ${resolved} is outside ${workspace}; commands in this sandbox stay inside it`;
}

function resolvePath(from: string, to: string): string {
  const parts: string[] = [];
  for (const part of `${to.startsWith("/") ? "" : from}/${to}`.split("/")) {
    if (part === "..") parts.pop();
    else if (part && part !== ".") parts.push(part);
  }
  return `/${parts.join("/")}`;
}
