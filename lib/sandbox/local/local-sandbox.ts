import "server-only";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { processSlot } from "@/lib/process-lifetime";
import type { PreviewTarget } from "@/lib/sandbox/local/preview/preview-host";
import { previewOriginUrl } from "@/lib/sandbox/local/preview/preview-token";
import { type PythonSession, startPythonSession } from "@/lib/sandbox/local/python/python-session";
import {
  type PreparedTemplate,
  prepareTemplate,
} from "@/lib/sandbox/local/templates/template-cache";
import {
  copyTemplateDependencies,
  seedWorkspace,
  templateBinds,
} from "@/lib/sandbox/local/templates/template-workspace";
import type { PrepareProgress, SandboxHandle, StartServerOptions } from "@/lib/sandbox/provider";
import { sandboxPath } from "@/lib/sandbox/sandbox-paths";
import { getTemplate, type TemplateId } from "@/lib/templates/templates";
import { AppServers } from "./local-servers";
import { sandboxNodeRuntime } from "./node-runtime";
import { runCommand } from "./terminal";
import { listWorkspace, readWorkspaceFile, writeWorkspaceFile } from "./workspace";
import { removeWorkspace } from "./workspace-volume";

// Sandboxes on this machine, in bubblewrap. Each has a directory under DATA_DIR/sandboxes: its
// workspace (seen as /workspace inside) and a record of its template. Processes that outlive a
// call (the Python kernel, an app's server and its preview relay: local-servers.ts) belong to
// the handle, which lives in this process's registry (localSandboxes) until the sandbox is
// killed or reaped.

export interface SandboxRecord {
  template: TemplateId;
  expiresAt: number;
}

// One per process, so development reloads of this module keep the sandboxes they started.
export const localSandboxes = processSlot("local-sandboxes", () => new Map<string, LocalSandbox>());

// The wall-time limit of processes that live as long as the sandbox (its kernel, its app's
// server): a backstop only. Each use extends a sandbox, so its first expiry says nothing of its
// last; the sandbox's end (kill, the reaper) is what stops them.
export const longLivedWallMs = 24 * 60 * 60 * 1000;

export function sandboxDir(sbxId: string) {
  if (!/^sbx_[a-z0-9]+$/.test(sbxId)) throw new Error("not a sandbox id");
  return path.join(getEnv().dataDir, "sandboxes", sbxId);
}

export class LocalSandbox implements SandboxHandle {
  readonly provider = "local" as const;
  readonly workspace: string;
  /** The sandbox's directory: sandboxDir(externalId), or a warm spare's own. */
  private readonly dir: string;
  private readonly servers: AppServers;
  private seeded?: Promise<void>;
  private prepared?: Promise<PreparedTemplate>;
  private readonly commands = new Set<{ abort: AbortController; done: Promise<void> }>();

  constructor(
    readonly externalId: string,
    readonly template: TemplateId,
    private expiresAt: number,
    private python?: PythonSession,
    options: {
      /** A warm spare's directory, outside the sandboxes' own (next-spare.ts). */
      dir?: string;
      /** A warm spare, its directory now this sandbox's: its app server and template carry on. */
      adopt?: LocalSandbox;
    } = {},
  ) {
    this.dir = options.dir ?? sandboxDir(externalId);
    this.workspace = path.join(this.dir, "workspace");
    const place = { id: externalId, workspace: this.workspace, template };
    if (options.adopt) {
      this.servers = options.adopt.servers;
      this.servers.moveTo(place);
      this.prepared = options.adopt.prepared;
      this.seeded = options.adopt.seeded;
    } else {
      this.servers = new AppServers(place);
    }
  }

  private remainingMs() {
    return Math.max(1_000, this.expiresAt - Date.now());
  }

  /** The start of a Run: prepares the template afresh, and the Run's processes use the result. */
  async prepare(onProgress?: (progress: PrepareProgress) => void) {
    await this.runtime({ required: true, isFresh: true, onProgress });
  }

  /**
   * What every process of this sandbox sees: Kiln's Node.js and the template's prepared
   * dependencies, with the scaffold in the workspace. A template that cannot be prepared on this
   * server (a Python framework PyPI would have to supply) still gets a shell: `required` says
   * whether the caller needs the template to work.
   */
  private async runtime(options: {
    required: boolean;
    /** Prepares the template again rather than using what this handle prepared last. */
    isFresh?: boolean;
    network?: boolean;
    onProgress?: (progress: PrepareProgress) => void;
  }) {
    const node = sandboxNodeRuntime();
    let prepared: PreparedTemplate | undefined;
    try {
      prepared = await this.prepareTemplate(options);
      // Once per handle: the scaffold only fills in what the workspace lacks.
      this.seeded ??= seedWorkspace({ workspace: this.workspace, prepared }).catch((error) => {
        this.seeded = undefined;
        throw error;
      });
      await this.seeded;
    } catch (error) {
      if (options.required || !(error instanceof KilnError)) throw error;
    }
    return {
      prepared,
      binds: [
        ...node.binds,
        ...(prepared ? await templateBinds(prepared, { workspace: this.workspace }) : []),
      ],
      env: {
        PATH: `${node.pathPrefix}:/usr/local/bin:/usr/bin:/bin`,
        NEXT_TELEMETRY_DISABLED: "1",
        NUXT_TELEMETRY_DISABLED: "1",
        // pip installs into the workspace (~/.local, HOME being /workspace), where the kernel
        // finds them; Debian marks its own Python as externally managed, which is about /usr.
        PIP_USER: "1",
        PIP_BREAK_SYSTEM_PACKAGES: "1",
        PIP_DISABLE_PIP_VERSION_CHECK: "1",
        ...(options.network ? node.networkEnv : {}),
      },
    };
  }

  /**
   * The template prepared for this handle. A Run prepares it once (prepare) and its install and
   * server use that; a later Run prepares it again, so a cache entry removed meanwhile is noticed.
   * A failure is not kept: the next use tries again.
   */
  private prepareTemplate(options: {
    isFresh?: boolean;
    onProgress?: (progress: PrepareProgress) => void;
  }): Promise<PreparedTemplate> {
    if (this.prepared && !options.isFresh) return this.prepared;
    const preparing = prepareTemplate({
      template: getTemplate(this.template)!,
      onProgress: (p) => options.onProgress?.({ stage: p.stage, message: p.message }),
    });
    this.prepared = preparing;
    preparing.catch(() => {
      if (this.prepared === preparing) this.prepared = undefined;
    });
    return preparing;
  }

  async runCode(code: string, options: Parameters<SandboxHandle["runCode"]>[1] = {}) {
    if (!this.python?.alive) {
      this.python = startPythonSession({
        workspace: this.workspace,
        lifetimeMs: longLivedWallMs,
        bwrap: getEnv().KILN_SANDBOX_BWRAP,
      });
    }
    return this.python.run(code, options);
  }

  async runCommand(options: Parameters<SandboxHandle["runCommand"]>[0]) {
    const runtime = await this.runtime({ required: false, network: options.network });
    // npm cannot add packages to the read-only shared node_modules: an install gets its own copy.
    if (options.network && runtime.prepared?.nodeModules) {
      await copyTemplateDependencies({
        workspace: this.workspace,
        prepared: runtime.prepared,
        bwrap: getEnv().KILN_SANDBOX_BWRAP,
      });
      runtime.binds = runtime.binds.filter((bind) => !bind.sandbox.endsWith("/node_modules"));
    }
    // Tracked, so that killing the sandbox ends its commands before its files go.
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) abort.abort();
    const command = runCommand({
      workspace: this.workspace,
      command: options.command,
      workingDirectory: options.workingDirectory,
      network: options.network,
      readOnlyBinds: runtime.binds,
      env: runtime.env,
      bwrap: getEnv().KILN_SANDBOX_BWRAP,
      limits: { wallMs: Math.min(options.timeoutMs ?? 60_000, this.remainingMs()) },
      onStdout: options.onStdout,
      onStderr: options.onStderr,
      signal: abort.signal,
    });
    const entry = {
      abort,
      done: command.then(
        () => {},
        () => {},
      ),
    };
    this.commands.add(entry);
    try {
      return await command;
    } finally {
      this.commands.delete(entry);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  async writeFiles(files: { path: string; content: string }[]) {
    const written: string[] = [];
    for (const file of files) {
      // A file rewritten as it was would still wake a running dev server's watcher.
      const current = await readWorkspaceFile(this.workspace, file.path).catch(() => undefined);
      written.push(
        current === file.content
          ? sandboxPath(file.path)
          : await writeWorkspaceFile(this.workspace, file.path, file.content),
      );
    }
    return written;
  }

  readFile(inside: string) {
    return readWorkspaceFile(this.workspace, inside);
  }

  listFiles(inside: string) {
    return listWorkspace(this.workspace, inside);
  }

  startServer(options: StartServerOptions) {
    return this.servers.start({
      ...options,
      runtime: () => this.runtime({ required: true }),
      wallMs: longLivedWallMs,
    });
  }

  previewTarget(): PreviewTarget | undefined {
    return this.servers.target();
  }

  previewUrl(_port: number, kilnOrigin?: string) {
    const origin = kilnOrigin ?? getEnv().KILN_ORIGIN ?? `http://localhost:${getEnv().PORT}`;
    return previewOriginUrl(this.externalId, origin);
  }

  async setTimeout(lifetimeMs: number) {
    this.expiresAt = Date.now() + lifetimeMs;
    await saveRecord(this.externalId, { template: this.template, expiresAt: this.expiresAt });
  }

  async kill() {
    localSandboxes.delete(this.externalId);
    this.servers.stopAll();
    for (const command of this.commands) command.abort.abort();
    await Promise.all([...this.commands].map((command) => command.done));
    await this.python?.close();
    await removeWorkspace(this.dir);
  }
}

export async function saveRecord(sbxId: string, record: SandboxRecord) {
  await writeFile(path.join(sandboxDir(sbxId), "sandbox.json"), JSON.stringify(record));
}

export async function loadRecord(sbxId: string): Promise<SandboxRecord | undefined> {
  try {
    return JSON.parse(await readFile(path.join(sandboxDir(sbxId), "sandbox.json"), "utf8"));
  } catch {
    return undefined;
  }
}
