import { randomBytes } from "node:crypto";
import path from "node:path";
import {
  AuthenticationError,
  CommandExitError,
  type CommandResult,
  type EntryInfo,
  FileNotFoundError,
  FileType,
  InvalidArgumentError,
  NotFoundError,
  SandboxNotFoundError,
  TimeoutError,
} from "@e2b/code-interpreter";
import type {
  E2bCommandHandle,
  E2bCommandOptions,
  E2bConnection,
  E2bSandbox,
  E2bSdk,
} from "@/lib/sandbox/e2b/e2b-sdk";

// An in-memory E2B behind the surface of @e2b/code-interpreter's Sandbox that
// lib/sandbox/e2b/e2b-sdk.ts describes. It fails as the SDK does (read from e2b 2.x's source), with
// the SDK's own error classes:
// - a missing or wrong API key: AuthenticationError (its message here names the key, the worst
//   case, so tests can show Kiln does not pass it on);
// - connecting to an unknown or killed sandbox: SandboxNotFoundError; killing one: `false`;
// - calls on a killed sandbox: code and files get TimeoutError (E2B's proxy answers 502),
//   commands SandboxNotFoundError, setTimeout SandboxNotFoundError; isRunning() is false;
// - a command exiting non-zero: CommandExitError (unless run in the background, whose wait()
//   throws it); passing its `timeoutMs` (60 s by default, 0 for none): TimeoutError;
// - code passing its `timeoutMs`: TimeoutError, while the cell keeps running in the kernel (E2B's
//   server does not interrupt it when the client leaves), and later cells wait for it until the
//   context is restarted.
// Commands run in a small shell: words and quotes, $VAR, ; && || newlines, > >> 2> >&2 2>&1
// redirections, and the builtins cd pwd echo eval exit true false mkdir ls cat rm touch sleep
// export. Anything else answers from scriptCommand(), or "command not found" (127). Code is
// answered from scriptCode(), else by a tiny evaluator of print() and integer arithmetic.

export interface FakeCodeReply {
  stdout?: string[];
  stderr?: string[];
  results?: { text?: string; png?: string }[];
  error?: { name: string; value: string; traceback: string };
  /** After its output, runs until `timeoutMs` passes or the sandbox ends. */
  hang?: boolean;
}

export interface FakeCommandReply {
  stdout?: string | string[];
  stderr?: string | string[];
  exitCode?: number;
  /** The port accepts connections from then on (after `listenDelayMs`) while the command runs. */
  listen?: number;
  listenDelayMs?: number;
  /** After its output, runs until killed, its `timeoutMs` passes or the sandbox ends. */
  hang?: boolean;
}

export interface FakeE2bOptions {
  apiKey?: string;
  /** Ports a template's own start command serves from boot, as E2B's app templates do. */
  templatePorts?: Record<string, number[]>;
}

export interface FakeE2bSandboxState {
  id: string;
  template: string;
  metadata: Record<string, string>;
  timeoutMs: number | undefined;
  apiKey: string;
  domain: string;
  isKilled: boolean;
  files: Map<string, string>;
  dirs: Set<string>;
  listening: Set<number>;
  commands: {
    cmd: string;
    cwd?: string;
    envs?: Record<string, string>;
    isBackground: boolean;
    timeoutMs?: number;
  }[];
  /** Running commands by pid, for commands.kill(pid). */
  processes: Map<number, { kill(): boolean }>;
  code: string[];
  /** A cell still running in the Python kernel, whether or not anyone waits for it. */
  runningCell: AbortController | undefined;
  kernelRestarts: number;
  ended: AbortController;
}

type Matcher = string | RegExp;
const home = "/home/user";
const defaultCommandTimeoutMs = 60_000;
const defaultCodeTimeoutMs = 300_000;
const gone502 =
  "502: Sandbox not found: This error is likely due to sandbox timeout. You can modify the sandbox timeout by passing 'timeoutMs' when starting the sandbox or calling '.setTimeout' on the sandbox with the desired timeout.";

export class FakeE2b {
  readonly apiKey: string;
  readonly sandboxes = new Map<string, FakeE2bSandboxState>();
  /** Stands in for the SDK's Sandbox class: pass it as `sdk`. */
  readonly Sandbox: E2bSdk;
  private readonly templatePorts: Record<string, number[]>;
  private readonly codeScripts: [Matcher, FakeCodeReply][] = [];
  private readonly commandScripts: [Matcher, FakeCommandReply][] = [];
  private readonly failures: Error[] = [];

  constructor(options: FakeE2bOptions = {}) {
    this.apiKey = options.apiKey ?? "e2b_fake_0123456789abcdef";
    this.templatePorts = options.templatePorts ?? {};
    this.Sandbox = {
      create: async (template, opts) => {
        this.authorize(opts);
        const state = this.newSandbox(template, opts);
        return new FakeSandbox(this, state);
      },
      connect: async (sandboxId, opts) => {
        this.authorize(opts);
        const state = this.sandboxes.get(sandboxId);
        if (!state || state.isKilled) {
          throw new SandboxNotFoundError(`Paused sandbox ${sandboxId} not found`);
        }
        return new FakeSandbox(this, state);
      },
      kill: async (sandboxId, opts) => {
        this.authorize(opts);
        const state = this.sandboxes.get(sandboxId);
        if (!state || state.isKilled) return false;
        this.end(state);
        return true;
      },
    };
  }

  /** Code equal to (or matching) `match` answers with `reply`; later scripts win. */
  scriptCode(match: Matcher, reply: FakeCodeReply) {
    this.codeScripts.unshift([match, reply]);
  }

  /** A simple command whose words, joined by spaces, equal (or match) `match`. */
  scriptCommand(match: Matcher, reply: FakeCommandReply) {
    this.commandScripts.unshift([match, reply]);
  }

  /** The next SDK call, of any kind, throws `error`. */
  failNext(error: Error) {
    this.failures.push(error);
  }

  /** The platform ends a sandbox, as when its timeout passes. */
  expire(sandboxId: string) {
    this.end(this.sandbox(sandboxId));
  }

  sandbox(sandboxId: string): FakeE2bSandboxState {
    const state = this.sandboxes.get(sandboxId);
    if (!state) throw new Error(`fake-e2b: no sandbox ${sandboxId}`);
    return state;
  }

  /** As E2B's proxy answers https://<port>-<id>.<domain>: 502 until something listens. */
  readonly fetch: typeof fetch = async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const match = /^(\d+)-([a-z0-9]+)\.(.+)$/.exec(url.hostname);
    const state = match ? this.sandboxes.get(match[2]!) : undefined;
    if (!match || !state || state.domain !== match[3]) throw new TypeError("fetch failed");
    if (state.isKilled || !state.listening.has(Number(match[1]))) {
      return new Response("Sandbox port not open", { status: 502 });
    }
    return new Response("ok", { status: 200 });
  };

  /** @internal */
  call() {
    const failure = this.failures.shift();
    if (failure) throw failure;
  }

  /** @internal */
  codeReply(code: string): FakeCodeReply | undefined {
    return this.codeScripts.find(([match]) => matches(match, code))?.[1];
  }

  /** @internal */
  commandReply(command: string): FakeCommandReply | undefined {
    return this.commandScripts.find(([match]) => matches(match, command))?.[1];
  }

  private authorize(opts: E2bConnection) {
    this.call();
    if (!opts.apiKey) throw new AuthenticationError("API key is required");
    if (opts.apiKey !== this.apiKey) {
      throw new AuthenticationError(
        `Unauthorized, please check your credentials. - Invalid API key: ${opts.apiKey}`,
      );
    }
  }

  private newSandbox(
    template: string,
    opts: E2bConnection & { metadata: Record<string, string>; timeoutMs: number },
  ): FakeE2bSandboxState {
    const state: FakeE2bSandboxState = {
      id: `i${randomBytes(10).toString("hex")}`,
      template,
      metadata: { ...opts.metadata },
      timeoutMs: opts.timeoutMs,
      apiKey: opts.apiKey,
      domain: opts.domain,
      isKilled: false,
      files: new Map(),
      dirs: new Set(["/", "/home", home, "/tmp"]),
      listening: new Set(this.templatePorts[template] ?? []),
      commands: [],
      processes: new Map(),
      code: [],
      runningCell: undefined,
      kernelRestarts: 0,
      ended: new AbortController(),
    };
    this.sandboxes.set(state.id, state);
    return state;
  }

  private end(state: FakeE2bSandboxState) {
    state.isKilled = true;
    state.listening.clear();
    state.ended.abort(new Stop("ended"));
  }
}

class FakeSandbox implements E2bSandbox {
  readonly sandboxId: string;
  readonly commands: E2bSandbox["commands"];
  readonly files: E2bSandbox["files"];

  constructor(
    private readonly fake: FakeE2b,
    private readonly state: FakeE2bSandboxState,
  ) {
    this.sandboxId = state.id;
    const run = (cmd: string, opts: E2bCommandOptions & { background?: boolean }) =>
      this.run(cmd, opts);
    const kill = async (pid: number) => {
      this.fake.call();
      if (this.state.isKilled)
        throw new SandboxNotFoundError("Sandbox is probably not running anymore");
      return this.state.processes.get(pid)?.kill() ?? false;
    };
    this.commands = { run: run as E2bSandbox["commands"]["run"], kill };
    this.files = new FakeFiles(fake, state);
  }

  async runCode(
    code: string,
    opts: {
      timeoutMs?: number;
      onStdout?: (output: { line: string }) => void;
      onStderr?: (output: { line: string }) => void;
    },
  ) {
    this.checkKernel();
    this.state.code.push(code);
    const limits = runLimits(this.state, opts.timeoutMs ?? defaultCodeTimeoutMs);
    const within = (cell: AbortController) => ({
      deadline: limits.deadline,
      signal: AbortSignal.any([limits.signal, cell.signal]),
    });
    // One cell at a time: a cell left running (its client gone) holds the kernel until a restart.
    while (this.state.runningCell) {
      await pause(Number.POSITIVE_INFINITY, within(this.state.runningCell)).catch((stop: Stop) => {
        if (stop.why !== "killed") throw codeStopped(stop);
      });
    }
    const reply = this.fake.codeReply(code) ?? evaluatePython(code);
    const logs = { stdout: [] as string[], stderr: [] as string[] };
    for (const line of reply.stdout ?? []) {
      logs.stdout.push(line);
      opts.onStdout?.(outputMessage(line, false));
    }
    for (const line of reply.stderr ?? []) {
      logs.stderr.push(line);
      opts.onStderr?.(outputMessage(line, true));
    }
    if (reply.hang) {
      const cell = new AbortController();
      this.state.runningCell = cell;
      await pause(Number.POSITIVE_INFINITY, within(cell)).catch((stop: Stop) => {
        throw codeStopped(stop);
      });
    }
    return { logs, results: reply.results ?? [], error: reply.error };
  }

  async listCodeContexts() {
    this.checkKernel();
    return [
      { id: "python-context", language: "python", cwd: home },
      { id: "javascript-context", language: "javascript", cwd: home },
    ];
  }

  /** Restarting the Python context ends a cell left running there. */
  async restartCodeContext(context: string) {
    this.checkKernel();
    if (context !== "python-context" && context !== "javascript-context") {
      throw new NotFoundError(`Context ${context} not found`);
    }
    if (context !== "python-context") return;
    this.state.runningCell?.abort(new Stop("killed"));
    this.state.runningCell = undefined;
    this.state.kernelRestarts += 1;
  }

  getHost(port: number) {
    return `${port}-${this.state.id}.${this.state.domain}`;
  }

  private checkKernel() {
    this.fake.call();
    // "base" has no Jupyter server to answer: E2B's proxy says 502 as for a missing sandbox.
    if (this.state.isKilled || this.state.template === "base") throw new TimeoutError(gone502);
  }

  async isRunning() {
    return !this.state.isKilled;
  }

  async setTimeout(timeoutMs: number) {
    this.fake.call();
    if (this.state.isKilled) throw new SandboxNotFoundError(`Sandbox ${this.state.id} not found`);
    this.state.timeoutMs = timeoutMs;
  }

  async kill() {
    return this.fake.Sandbox.kill(this.state.id, {
      apiKey: this.state.apiKey,
      domain: this.state.domain,
    });
  }

  private async run(
    cmd: string,
    opts: E2bCommandOptions & { background?: boolean },
  ): Promise<CommandResult | E2bCommandHandle> {
    this.fake.call();
    if (this.state.isKilled) {
      throw new SandboxNotFoundError("Sandbox is probably not running anymore");
    }
    const isBackground = opts.background === true;
    const { cwd, envs, timeoutMs } = opts;
    this.state.commands.push({ cmd, cwd, envs, isBackground, timeoutMs });
    const process = startProcess(this.fake, this.state, cmd, opts);
    const wait = async () => {
      const result = await process.done;
      if (result.exitCode !== 0) throw new CommandExitError(result);
      return result;
    };
    if (!isBackground) return wait();
    process.done.catch(() => {}); // observed through wait(), if at all
    return {
      pid: process.pid,
      wait,
      kill: async () => process.kill(),
      disconnect: async () => process.disconnect(),
    };
  }
}

class FakeFiles implements Readonly<E2bSandbox["files"]> {
  constructor(
    private readonly fake: FakeE2b,
    private readonly state: FakeE2bSandboxState,
  ) {}

  async write(files: { path: string; data: string }[]) {
    this.check();
    return files.map((file) => {
      const at = path.posix.resolve(home, file.path);
      if (this.state.dirs.has(at)) throw new InvalidArgumentError(`path '${at}' is a directory`);
      makeDirs(this.state, path.posix.dirname(at));
      this.state.files.set(at, file.data);
      return { name: path.posix.basename(at), type: FileType.FILE, path: at };
    });
  }

  async read(file: string) {
    this.check();
    const at = path.posix.resolve(home, file);
    if (this.state.dirs.has(at)) throw new InvalidArgumentError(`path '${at}' is a directory`);
    const content = this.state.files.get(at);
    if (content === undefined) throw new FileNotFoundError(`file '${at}' not found`);
    return content;
  }

  async getInfo(file: string) {
    this.check();
    const info = entryInfo(this.state, path.posix.resolve(home, file));
    if (!info) throw new FileNotFoundError(`path '${file}' not found`);
    return info;
  }

  async list(directory: string) {
    this.check();
    const at = path.posix.resolve(home, directory);
    if (this.state.files.has(at)) throw new InvalidArgumentError(`path '${at}' is not a directory`);
    if (!this.state.dirs.has(at)) throw new FileNotFoundError(`directory '${at}' not found`);
    return children(this.state, at).map(
      (name) => entryInfo(this.state, path.posix.join(at, name))!,
    );
  }

  async remove(file: string) {
    this.check();
    const at = path.posix.resolve(home, file);
    if (!removePath(this.state, at)) throw new FileNotFoundError(`path '${at}' not found`);
  }

  private check() {
    this.fake.call();
    if (this.state.isKilled) throw new TimeoutError(gone502);
  }
}

// --- the filesystem, shared by the files API and the shell ---

function makeDirs(state: FakeE2bSandboxState, dir: string): boolean {
  if (state.dirs.has(dir)) return true;
  if (state.files.has(dir) || dir === "/") return false;
  if (!makeDirs(state, path.posix.dirname(dir))) return false;
  state.dirs.add(dir);
  return true;
}

function children(state: FakeE2bSandboxState, dir: string): string[] {
  const names = [...state.files.keys(), ...state.dirs]
    .filter((p) => p !== dir && path.posix.dirname(p) === dir)
    .map((p) => path.posix.basename(p));
  return names.sort();
}

function removePath(state: FakeE2bSandboxState, at: string): boolean {
  if (state.files.delete(at)) return true;
  if (!state.dirs.has(at) || at === "/") return false;
  for (const p of [...state.files.keys()]) if (p.startsWith(`${at}/`)) state.files.delete(p);
  for (const p of [...state.dirs]) if (p === at || p.startsWith(`${at}/`)) state.dirs.delete(p);
  return true;
}

function entryInfo(state: FakeE2bSandboxState, at: string): EntryInfo | undefined {
  const content = state.files.get(at);
  const isDir = state.dirs.has(at);
  if (content === undefined && !isDir) return undefined;
  return {
    name: path.posix.basename(at),
    type: isDir ? FileType.DIR : FileType.FILE,
    path: at,
    size: isDir ? 4096 : Buffer.byteLength(content ?? ""),
    mode: isDir ? 0o755 : 0o644,
    permissions: isDir ? "drwxr-xr-x" : "-rw-r--r--",
    owner: "user",
    group: "user",
    modifiedTime: new Date(),
  };
}

// --- time: deadlines, kills and the sandbox's end ---

class Stop {
  constructor(readonly why: "deadline" | "killed" | "ended") {}
}

interface RunLimits {
  deadline: number | undefined;
  signal: AbortSignal;
}

function runLimits(
  state: FakeE2bSandboxState,
  timeoutMs: number,
  ...signals: AbortSignal[]
): RunLimits {
  return {
    deadline: timeoutMs > 0 ? performance.now() + timeoutMs : undefined,
    signal: AbortSignal.any([state.ended.signal, ...signals]),
  };
}

/** Waits `ms`, or rejects with a Stop when the deadline, a kill or the sandbox's end comes first. */
function pause(ms: number, limits: RunLimits): Promise<void> {
  const until =
    limits.deadline === undefined ? ms : Math.min(ms, limits.deadline - performance.now());
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      limits.signal.removeEventListener("abort", finish);
      if (limits.signal.aborted) reject(limits.signal.reason);
      else if (until < ms) reject(new Stop("deadline"));
      else resolve();
    };
    if (limits.signal.aborted) return finish();
    if (Number.isFinite(until)) timer = setTimeout(finish, Math.max(0, until));
    limits.signal.addEventListener("abort", finish, { once: true });
  });
}

function codeStopped(stop: Stop): Error {
  if (stop.why === "deadline") {
    return new TimeoutError(
      "Execution timed out — the 'timeoutMs' option can be used to increase this timeout",
    );
  }
  if (stop.why === "ended") {
    return new TimeoutError("The sandbox was killed while the request was in progress.");
  }
  // What the SDK reports for a cell whose kernel restarts under it is not known here.
  return new Error("fake-e2b: the kernel restarted while the cell ran");
}

// --- processes ---

let nextPid = 1000;

function startProcess(
  fake: FakeE2b,
  state: FakeE2bSandboxState,
  cmd: string,
  opts: E2bCommandOptions,
) {
  const killer = new AbortController();
  const limits = runLimits(state, opts.timeoutMs ?? defaultCommandTimeoutMs, killer.signal);
  const output = { stdout: "", stderr: "" };
  const ports = new Set<number>();
  let isConnected = true;
  const shell = new Shell(fake, state, limits, opts, ports, (fd, text) => {
    if (fd === 1) {
      output.stdout += text;
      if (isConnected) opts.onStdout?.(text);
    } else {
      output.stderr += text;
      if (isConnected) opts.onStderr?.(text);
    }
  });
  const pid = nextPid++;
  const done = shell
    .run(cmd)
    .then(
      (exitCode): CommandResult => ({ exitCode, ...output }),
      (error: unknown): CommandResult => {
        if (!(error instanceof Stop)) throw error;
        if (error.why === "killed") return { exitCode: -1, error: "signal: killed", ...output };
        throw error.why === "deadline"
          ? new TimeoutError(
              "[deadline_exceeded] context deadline exceeded: This error is likely due to exceeding 'timeoutMs'",
            )
          : new TimeoutError(
              "[unknown] The sandbox was killed or reached its end of life while the request was in flight.",
            );
      },
    )
    .finally(() => {
      for (const port of ports) state.listening.delete(port);
      state.processes.delete(pid);
    });
  const kill = () => {
    killer.abort(new Stop("killed"));
    return true;
  };
  state.processes.set(pid, { kill });
  const disconnect = () => {
    isConnected = false;
  };
  return { pid, done, kill, disconnect };
}

// --- the shell ---

type Part = { text: string } | { variable: string };
type Token =
  | { kind: "word"; parts: Part[] }
  | { kind: "op"; op: string }
  | { kind: "redirect"; fd: 1 | 2; isAppend: boolean; dup?: 1 | 2 };
interface Redirect {
  fd: 1 | 2;
  isAppend: boolean;
  dup?: 1 | 2;
  target?: Part[];
}
interface SimpleCommand {
  connector: ";" | "&&" | "||";
  words: Part[][];
  redirects: Redirect[];
}
type Target = { stream: 1 | 2 } | { file: string } | { discard: true };
type Write = (fd: 1 | 2, text: string) => void;

class Exit {
  constructor(readonly code: number) {}
}

function unsupported(what: string): Error {
  return new Error(`fake-e2b shell does not support ${what}`);
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let parts: Part[] | undefined;
  let i = 0;
  const literal = (text: string) => {
    parts ??= [];
    const last = parts.at(-1);
    if (last && "text" in last) last.text += text;
    else parts.push({ text });
  };
  const endWord = () => {
    if (parts) tokens.push({ kind: "word", parts });
    parts = undefined;
  };
  const variable = () => {
    const match = /^\$(\?|[A-Za-z_]\w*|\{(\?|[A-Za-z_]\w*)\})/.exec(source.slice(i));
    if (!match) {
      literal("$");
      i++;
      return;
    }
    parts ??= [];
    parts.push({ variable: match[2] ?? match[1]! });
    i += match[0].length;
  };
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === " " || c === "\t") {
      endWord();
      i++;
    } else if (c === "\n" || c === ";") {
      endWord();
      tokens.push({ kind: "op", op: ";" });
      i++;
    } else if (c === "&" || c === "|") {
      endWord();
      tokens.push({ kind: "op", op: next === c ? c + c : c });
      i += next === c ? 2 : 1;
    } else if (c === "#" && !parts) {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === ">" || ((c === "1" || c === "2") && !parts && next === ">")) {
      endWord();
      const fd = c === "2" ? 2 : 1;
      i += c === ">" ? 1 : 2;
      const isAppend = source[i] === ">";
      if (isAppend) i++;
      const dup = source[i] === "&" ? source[i + 1] : undefined;
      if (dup === "1" || dup === "2") {
        tokens.push({ kind: "redirect", fd, isAppend, dup: dup === "1" ? 1 : 2 });
        i += 2;
      } else tokens.push({ kind: "redirect", fd, isAppend });
    } else if (c === "'") {
      const end = source.indexOf("'", i + 1);
      if (end < 0) throw new Error("fake-e2b shell: unterminated '");
      literal(source.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      i++;
      literal("");
      while (source[i] !== '"') {
        if (i >= source.length) throw new Error('fake-e2b shell: unterminated "');
        if (source[i] === "\\" && /["\\$`]/.test(source[i + 1] ?? "")) {
          literal(source[i + 1]!);
          i += 2;
        } else if (source[i] === "$") variable();
        else literal(source[i++]!);
      }
      i++;
    } else if (c === "\\") {
      literal(next ?? "");
      i += 2;
    } else if (c === "$") {
      variable();
    } else if ("`()<".includes(c)) {
      throw unsupported(`"${c}"`);
    } else {
      literal(c);
      i++;
    }
  }
  endWord();
  return tokens;
}

function parse(tokens: Token[]): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let current: SimpleCommand = { connector: ";", words: [], redirects: [] };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === "word") current.words.push(token.parts);
    else if (token.kind === "redirect") {
      if (token.dup) current.redirects.push(token);
      else {
        const target = tokens[++i];
        if (target?.kind !== "word") throw new Error("fake-e2b shell: redirection without a file");
        current.redirects.push({ ...token, target: target.parts });
      }
    } else if (token.op === ";" || token.op === "&&" || token.op === "||") {
      if (current.words.length > 0 || current.redirects.length > 0) commands.push(current);
      current = { connector: token.op, words: [], redirects: [] };
    } else throw unsupported(`"${token.op}"`);
  }
  if (current.words.length > 0 || current.redirects.length > 0) commands.push(current);
  return commands;
}

class Shell {
  private status = 0;
  private cwd: string;
  private readonly variables: Map<string, string>;

  constructor(
    private readonly fake: FakeE2b,
    private readonly state: FakeE2bSandboxState,
    private readonly limits: RunLimits,
    opts: { cwd?: string; envs?: Record<string, string> },
    private readonly ports: Set<number>,
    private readonly emit: Write,
  ) {
    this.cwd = opts.cwd ?? home;
    this.variables = new Map(Object.entries(opts.envs ?? {}));
  }

  async run(script: string): Promise<number> {
    try {
      return await this.execute(parse(tokenize(script)));
    } catch (error) {
      if (error instanceof Exit) return error.code;
      throw error;
    }
  }

  private async execute(commands: SimpleCommand[]): Promise<number> {
    for (const command of commands) {
      if (command.connector === "&&" && this.status !== 0) continue;
      if (command.connector === "||" && this.status === 0) continue;
      this.status = await this.simple(command);
    }
    return this.status;
  }

  private expand(parts: Part[]): string {
    return parts
      .map((part) => {
        if ("text" in part) return part.text;
        if (part.variable === "?") return String(this.status);
        if (part.variable === "PWD") return this.cwd;
        if (part.variable === "HOME") return home;
        return this.variables.get(part.variable) ?? "";
      })
      .join("");
  }

  private resolve(file: string) {
    return path.posix.resolve(this.cwd, file);
  }

  private async simple(command: SimpleCommand): Promise<number> {
    const argv = command.words.map((word) => this.expand(word));
    const first = command.words[0]?.[0];
    const assignment = /^([A-Za-z_]\w*)=(.*)$/s.exec(argv[0] ?? "");
    if (argv.length === 1 && assignment && first && "text" in first && first.text.includes("=")) {
      this.variables.set(assignment[1]!, assignment[2]!);
      return 0;
    }
    const write = this.redirect(command.redirects);
    if (typeof write === "number") return write;
    if (argv.length === 0) return 0;
    const reply = this.fake.commandReply(argv.join(" "));
    if (reply) return this.scripted(reply, write);
    return this.builtin(argv[0]!, argv.slice(1), write);
  }

  private redirect(redirects: Redirect[]): Write | number {
    const targets: Record<1 | 2, Target> = { 1: { stream: 1 }, 2: { stream: 2 } };
    for (const r of redirects) {
      if (r.dup) {
        targets[r.fd] = targets[r.dup];
        continue;
      }
      const name = this.expand(r.target ?? []);
      if (name === "/dev/null") {
        targets[r.fd] = { discard: true };
        continue;
      }
      const at = this.resolve(name);
      if (!this.state.dirs.has(path.posix.dirname(at)) || this.state.dirs.has(at)) {
        this.emit(2, `bash: line 1: ${name}: No such file or directory\n`);
        return 1;
      }
      if (!r.isAppend || !this.state.files.has(at)) this.state.files.set(at, "");
      targets[r.fd] = { file: at };
    }
    return (fd, text) => {
      const target = targets[fd];
      if ("stream" in target) this.emit(target.stream, text);
      else if ("file" in target) {
        this.state.files.set(target.file, (this.state.files.get(target.file) ?? "") + text);
      }
    };
  }

  private async scripted(reply: FakeCommandReply, write: Write): Promise<number> {
    for (const chunk of [reply.stdout ?? []].flat()) write(1, chunk);
    for (const chunk of [reply.stderr ?? []].flat()) write(2, chunk);
    if (reply.listen !== undefined) {
      if (reply.listenDelayMs) await pause(reply.listenDelayMs, this.limits);
      this.state.listening.add(reply.listen);
      this.ports.add(reply.listen);
    }
    if (reply.hang) await pause(Number.POSITIVE_INFINITY, this.limits);
    return reply.exitCode ?? 0;
  }

  private async builtin(name: string, args: string[], write: Write): Promise<number> {
    const flags = new Set(args.filter((a) => /^-\w+$/.test(a)).flatMap((a) => [...a.slice(1)]));
    const operands = args.filter((a) => !/^-\w+$/.test(a));
    const fail = (message: string, code = 1) => {
      write(2, `${message}\n`);
      return code;
    };
    const { files, dirs } = this.state;
    switch (name) {
      case "true":
      case ":":
        return 0;
      case "false":
        return 1;
      case "exit":
        throw new Exit(args[0] === undefined ? this.status : Number(args[0]) & 255);
      case "eval":
        return this.execute(parse(tokenize(args.join(" "))));
      case "export":
        for (const arg of args) {
          const [key, ...value] = arg.split("=");
          if (value.length > 0) this.variables.set(key!, value.join("="));
        }
        return 0;
      case "cd": {
        const target = args[0] ?? home;
        if (!dirs.has(this.resolve(target))) {
          return fail(`bash: line 1: cd: ${target}: No such file or directory`);
        }
        this.cwd = this.resolve(target);
        return 0;
      }
      case "pwd":
        write(1, `${this.cwd}\n`);
        return 0;
      case "echo": {
        const words = args[0] === "-n" ? args.slice(1) : args;
        write(1, `${words.join(" ")}${args[0] === "-n" ? "" : "\n"}`);
        return 0;
      }
      case "sleep":
        await pause(Number(args[0]) * 1000, this.limits);
        return 0;
      case "mkdir":
        for (const dir of operands) {
          const at = this.resolve(dir);
          const isPossible = flags.has("p")
            ? makeDirs(this.state, at)
            : !dirs.has(at) && !files.has(at) && dirs.has(path.posix.dirname(at));
          if (!isPossible) return fail(`mkdir: cannot create directory '${dir}'`);
          dirs.add(at);
        }
        return 0;
      case "touch":
        for (const file of operands) {
          const at = this.resolve(file);
          if (!dirs.has(path.posix.dirname(at))) return fail(`touch: cannot touch '${file}'`);
          if (!files.has(at) && !dirs.has(at)) files.set(at, "");
        }
        return 0;
      case "cat":
        for (const file of operands) {
          const content = files.get(this.resolve(file));
          if (content === undefined) return fail(`cat: ${file}: No such file or directory`);
          write(1, content);
        }
        return 0;
      case "ls": {
        const at = this.resolve(operands[0] ?? ".");
        if (!files.has(at) && !dirs.has(at)) {
          return fail(`ls: cannot access '${operands[0]}': No such file or directory`, 2);
        }
        const names = files.has(at) ? [operands[0]] : children(this.state, at);
        write(1, names.map((n) => `${n}\n`).join(""));
        return 0;
      }
      case "rm":
        for (const file of operands) {
          const at = this.resolve(file);
          if (dirs.has(at) && !flags.has("r"))
            return fail(`rm: cannot remove '${file}': Is a directory`);
          if (!removePath(this.state, at) && !flags.has("f")) {
            return fail(`rm: cannot remove '${file}': No such file or directory`);
          }
        }
        return 0;
      default:
        return fail(`bash: line 1: ${name}: command not found`, 127);
    }
  }
}

// --- code ---

function matches(match: Matcher, text: string) {
  return typeof match === "string" ? match === text : match.test(text);
}

function outputMessage(line: string, error: boolean) {
  return { line, error, timestamp: Date.now() * 1000, toString: () => line };
}

/** print() of literals and arithmetic, a last line's value, and `raise`; nothing more. */
function evaluatePython(code: string): FakeCodeReply {
  const stdout: string[] = [];
  const lines = code.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    const printed = /^print\((.*)\)$/.exec(line);
    const raised = /^raise (\w+)\((?:(["'])(.*)\2)?\)$/.exec(line);
    const value = pythonValue(printed ? printed[1]! : line);
    if (printed && value !== undefined) stdout.push(`${value}\n`);
    else if (raised) {
      const [, name, , message = ""] = raised;
      const traceback = `Traceback (most recent call last):\n  Cell In[1], line ${index + 1}\n    ${line}\n${name}: ${message}`;
      return { stdout, error: { name: name!, value: message, traceback } };
    } else if (index === lines.length - 1 && value !== undefined) {
      return { stdout, results: [{ text: value }] };
    } else {
      throw new Error(`fake-e2b cannot evaluate ${JSON.stringify(line)}: use scriptCode()`);
    }
  }
  return { stdout };
}

function pythonValue(expression: string): string | undefined {
  const quoted = /^(["'])(.*)\1$/.exec(expression.trim());
  if (quoted) return quoted[2];
  const tokens = expression.match(/\d+|\S/g) ?? [];
  let i = 0;
  const factor = (): number => {
    const token = tokens[i++];
    if (token === "-") return -factor();
    if (token === "(") {
      const value = sum();
      if (tokens[i++] !== ")") throw new SyntaxError();
      return value;
    }
    if (token !== undefined && /^\d+$/.test(token)) return Number(token);
    throw new SyntaxError();
  };
  const product = (): number => {
    let value = factor();
    while (tokens[i] === "*") {
      i++;
      value *= factor();
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (tokens[i] === "+" || tokens[i] === "-") {
      const op = tokens[i++];
      value = op === "+" ? value + product() : value - product();
    }
    return value;
  };
  try {
    const value = sum();
    return i === tokens.length ? String(value) : undefined;
  } catch {
    return undefined;
  }
}
