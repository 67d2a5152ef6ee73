import type { WorkspaceEntry } from "@/lib/sandbox/result-schemas";
import type { TemplateId } from "@/lib/templates/templates";
import type { CellResult, RuntimeError } from "./result-schemas";

// What Kiln needs from a place that runs fragments. Two providers implement it: local
// bubblewrap sandboxes (the default) and E2B. Everything above this file (the service, the
// routes, the IDE) speaks only this interface; ownership is checked above it, on the rows.

export type ProviderName = "local" | "e2b";

export interface CreateSandboxOptions {
  /** Kiln's id for the sandbox (the row's id); providers tag their sandbox with it. */
  sbxId: string;
  template: TemplateId;
  lifetimeMs: number;
  /** Stored with the sandbox where the provider can (E2B metadata); never secrets. */
  metadata: Record<string, string>;
  /** Whether this machine has room for a warm spare sandbox besides the running ones. */
  roomForSpare?: () => Promise<boolean>;
}

export interface Streaming {
  onStdout?(chunk: string): void;
  onStderr?(chunk: string): void;
  signal?: AbortSignal;
}

export interface Execution {
  stdout: string;
  stderr: string;
  runtimeError: RuntimeError | null;
  cellResults: CellResult[];
  /** The limit that ended the execution, when one did (wall, memory, ...). */
  limit?: string;
}

export interface CommandOutcome {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Where a `cd` in the command left the shell; the next command starts there. */
  workingDirectory: string;
  limit?: string;
}

export interface RunCommandOptions extends Streaming {
  command: string;
  /** Absolute, inside the workspace. */
  workingDirectory: string;
  timeoutMs?: number;
  /** Network for this command (package installs), when the template's policy allows it. */
  network?: boolean;
}

export interface StartServerOptions {
  /** The template's run command, run from the workspace root. */
  command: string;
  port: number;
  /** Output of the server while it starts and runs, for the IDE's log. */
  onOutput?(chunk: string): void;
  signal?: AbortSignal;
  /**
   * The server picks up changed files itself (a dev server's hot reload): one already running
   * this command on this port is kept rather than restarted.
   */
  keepRunning?: boolean;
}

export interface PrepareProgress {
  stage: string;
  message: string;
}

/** A live sandbox. Methods may be called concurrently; each is bounded in time. */
export interface SandboxHandle {
  /**
   * Makes the template's dependencies ready (once per template version on this server), with
   * progress as it goes. Providers whose templates come prepared leave it out.
   */
  prepare?(onProgress?: (progress: PrepareProgress) => void): Promise<void>;
  readonly provider: ProviderName;
  /** The provider's own id (E2B's sandboxId; for local sandboxes, Kiln's). */
  readonly externalId: string;
  runCode(code: string, options?: Streaming & { timeoutMs?: number }): Promise<Execution>;
  runCommand(options: RunCommandOptions): Promise<CommandOutcome>;
  writeFiles(files: { path: string; content: string }[]): Promise<string[]>;
  readFile(path: string): Promise<string>;
  listFiles(path: string): Promise<WorkspaceEntry[]>;
  /** Starts the app's server and resolves once `port` accepts connections. */
  startServer(options: StartServerOptions): Promise<void>;
  /**
   * Where a browser reaches `port`: for local sandboxes the preview's own origin, on the scheme
   * and port of `kilnOrigin` (Kiln's public origin; KILN_ORIGIN when not given); E2B's host.
   */
  previewUrl(port: number, kilnOrigin?: string): string;
  setTimeout(lifetimeMs: number): Promise<void>;
  kill(): Promise<void>;
}

export interface SandboxProvider {
  readonly name: ProviderName;
  create(options: CreateSandboxOptions): Promise<SandboxHandle>;
  /** Reattaches to a sandbox created earlier, or undefined when the provider no longer has it. */
  connect(sbxId: string, externalId: string): Promise<SandboxHandle | undefined>;
  /** Ends a sandbox by id whether or not this process holds a handle to it (the reaper). */
  destroy(sbxId: string, externalId: string): Promise<void>;
  /** Warm spare sandboxes this process holds that a new sandbox of `template` would not take. */
  heldSpares?(template: TemplateId): number;
}
