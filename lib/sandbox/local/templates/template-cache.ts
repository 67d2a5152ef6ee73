import "server-only";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { getEnv } from "@/lib/env";
import { KilnError } from "@/lib/errors";
import { log } from "@/lib/log";
import { processSlot } from "@/lib/process-lifetime";
import { type NodeRuntime, sandboxNodeRuntime } from "@/lib/sandbox/local/node-runtime";
import type { Template } from "@/lib/templates/templates";
import { asInstaller } from "../sandbox-user";
import { type TemplateFile, templateFiles } from "./template-files";
import {
  installLimits,
  pythonFrameworks,
  requirePythonModule,
  runNpmInstall,
  templateUnavailable,
} from "./template-install";

// A web template's dependencies are installed once per version of the template, into
// DATA_DIR/cache/templates/<id>-<hash>/, and each sandbox mounts that node_modules read-only at
// /workspace/node_modules: a preview needs no install. The version hashes everything the install
// depends on, so a changed scaffold or Node.js major is a new entry, never a stale one.
//
// Installing is Kiln's own trusted install: it runs in a sandbox with network. Concurrent callers
// in this process share one preparation; other processes wait on a lock directory. The entry is
// built in a staging directory and renamed into place, so a half install is never seen.
//
// This file is the cache: versions, sharing and locking, staging. What the install runs is in
// template-install.ts; putting an entry to use in a workspace, in template-workspace.ts.

export interface TemplateProgress {
  stage: "cached" | "installing" | "ready" | "failed";
  /** One line for people: a step, or a line of npm's output. */
  message: string;
  percent?: number;
}

export interface PreparedTemplate {
  /** The cache entry; undefined when the template has nothing to prepare. */
  dir: string | undefined;
  nodeModules: string | undefined;
  /** True when the entry existed already (or nothing was needed). */
  cached: boolean;
  /** The project's scaffold, for seedWorkspace (template-workspace.ts). */
  files: TemplateFile[];
}

export interface PrepareTemplateOptions {
  template: Pick<Template, "id" | "name" | "libraries">;
  /** Where entries live: DATA_DIR/cache/templates unless given. */
  cacheDir?: string;
  /** The project's scaffold: the template's own unless given. */
  files?: TemplateFile[];
  onProgress?(progress: TemplateProgress): void;
  /** The bwrap binary: KILN_SANDBOX_BWRAP unless given. */
  bwrap?: string;
}

// Longer than an install may run, so a live holder is never taken over.
const lockStaleMs = installLimits.wallMs + 5 * 60_000;
const lockPollMs = 500;

/** The cache entry's name: the template id and a hash of all the install depends on. */
export function templateVersion(options: {
  template: Pick<Template, "id" | "libraries">;
  files: readonly TemplateFile[];
  nodeMajor: number;
}): string {
  const files = [...options.files].sort((a, b) => a.path.localeCompare(b.path));
  const hash = createHash("sha256")
    .update(
      JSON.stringify({
        id: options.template.id,
        libraries: options.template.libraries,
        files: files.map((file) => [file.path, file.content]),
        node: options.nodeMajor,
      }),
    )
    .digest("hex");
  return `${options.template.id}-${hash.slice(0, 12)}`;
}

type Listener = (progress: TemplateProgress) => void;
interface Flight {
  listeners: Set<Listener>;
  promise: Promise<Omit<PreparedTemplate, "files">>;
}
// One per process, so that module reloads in development still share one map.
const flights = processSlot("template-flights", () => new Map<string, Flight>());

/** Prepares the template's dependencies, or finds them prepared; see the top of this file. */
export async function prepareTemplate(options: PrepareTemplateOptions): Promise<PreparedTemplate> {
  const { template } = options;
  const files = options.files ?? templateFiles(template.id);
  const report: Listener = (progress) => options.onProgress?.(progress);
  const framework = pythonFrameworks[template.id];
  if (framework) await requirePythonModule(template, framework);
  if (!files.some((file) => file.path === "package.json")) {
    report({ stage: "cached", message: `${template.name} needs no dependencies`, percent: 100 });
    return { dir: undefined, nodeModules: undefined, cached: true, files };
  }
  const node = sandboxNodeRuntime();
  const cacheDir = path.resolve(
    /* turbopackIgnore: true */ options.cacheDir ??
      path.join(getEnv().dataDir, "cache", "templates"),
  );
  const name = templateVersion({ template, files, nodeMajor: node.nodeMajor });
  const dir = path.join(cacheDir, name);

  let flight = flights.get(dir);
  if (flight) {
    flight.listeners.add(report);
    report({ stage: "installing", message: `Joining the preparation of ${template.name}` });
  } else {
    const listeners = new Set<Listener>([report]);
    const emit: Listener = (progress) => {
      for (const listener of listeners) {
        try {
          listener(progress);
        } catch {}
      }
    };
    const job = { template, files, cacheDir, name, dir, node, emit, bwrap: options.bwrap };
    const promise = prepare(job).finally(() => flights.delete(dir));
    flight = { listeners, promise };
    flights.set(dir, flight);
  }
  try {
    return { ...(await flight.promise), files };
  } finally {
    flight.listeners.delete(report);
  }
}

interface Job {
  template: PrepareTemplateOptions["template"];
  files: TemplateFile[];
  cacheDir: string;
  name: string;
  dir: string;
  node: NodeRuntime;
  emit: Listener;
  bwrap: string | undefined;
}

async function prepare(job: Job) {
  if (!(await isReady(job.dir))) {
    await mkdir(job.cacheDir, { recursive: true });
    const release = await lock(job);
    try {
      if (!(await isReady(job.dir))) return await install(job);
    } finally {
      await release();
    }
  }
  job.emit({ stage: "cached", message: `${job.template.name} is ready`, percent: 100 });
  return { dir: job.dir, nodeModules: path.join(job.dir, "node_modules"), cached: true };
}

const isReady = (dir: string) =>
  stat(path.join(dir, "ready")).then(
    () => true,
    () => false,
  );

/** Holds <entry>.lock; resolves early, holding nothing, if the entry becomes ready meanwhile. */
async function lock(job: Job): Promise<() => Promise<void>> {
  const lockDir = `${job.dir}.lock`;
  const held = async () => {
    await rm(lockDir, { recursive: true, force: true });
  };
  for (let waiting = false; ; ) {
    try {
      await mkdir(lockDir);
      return held;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const since = (await stat(lockDir).catch(() => undefined))?.mtimeMs;
    if (since === undefined) continue;
    // A holder that died. Two processes taking over at once both install; the atomic rename
    // into place makes that harmless, only slower.
    if (Date.now() - since > lockStaleMs) {
      log.warn("taking over a stale template lock", { lock: lockDir });
      await held();
      continue;
    }
    if (await isReady(job.dir)) return async () => {};
    if (!waiting) {
      waiting = true;
      job.emit({
        stage: "installing",
        message: `Waiting for another Kiln process preparing ${job.template.name}`,
      });
    }
    await sleep(lockPollMs);
  }
}

async function install(job: Job): Promise<Omit<PreparedTemplate, "files">> {
  const { template, emit } = job;
  if (!job.node.npmCli) {
    emit({ stage: "failed", message: "npm is not installed on this server" });
    throw templateUnavailable(template, "npm is not installed on this server", "npm_unavailable");
  }
  // Left by a process that died while installing: the lock says no one else is.
  for (const entry of await readdir(job.cacheDir)) {
    if (entry.startsWith(`.staging-${job.name}-`)) {
      await rm(path.join(job.cacheDir, entry), { recursive: true, force: true });
    }
  }
  const staging = await mkdtemp(path.join(job.cacheDir, `.staging-${job.name}-`));
  const started = performance.now();
  try {
    for (const file of job.files) {
      if (file.path !== "package.json" && file.path !== "package-lock.json") continue;
      await writeFile(path.join(staging, file.path), file.content);
    }
    emit({ stage: "installing", message: `Installing the dependencies of ${template.name}` });
    // As a uid of its own, not Kiln's: npm and what it unpacks never act as root on the host.
    const output = await asInstaller(staging, () =>
      runNpmInstall({
        staging,
        template,
        node: job.node,
        bwrap: job.bwrap,
        onLine: (line) => emit({ stage: "installing", message: line }),
      }),
    );
    await rm(path.join(staging, ".npm-cache"), { recursive: true, force: true });
    const durationMs = Math.round(performance.now() - started);
    const metadata = {
      template: template.id,
      version: job.name,
      libraries: template.libraries,
      node: process.version,
      preparedAt: new Date().toISOString(),
      durationMs,
      summary: output.findLast((line) => /^(added|up to date)/.test(line)) ?? null,
    };
    await writeFile(path.join(staging, "ready"), `${JSON.stringify(metadata, null, 2)}\n`);
    // Only a lock taken over from a live holder lets another entry get here first.
    if (await isReady(job.dir)) {
      await rm(staging, { recursive: true, force: true });
    } else {
      await rm(job.dir, { recursive: true, force: true });
      await rename(staging, job.dir);
    }
    emit({ stage: "ready", message: `${template.name} is ready (${durationMs} ms)`, percent: 100 });
    return { dir: job.dir, nodeModules: path.join(job.dir, "node_modules"), cached: false };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    const message = error instanceof Error ? error.message : String(error);
    emit({ stage: "failed", message });
    log.error("template preparation failed", { template: template.id, error });
    throw error instanceof KilnError
      ? error
      : templateUnavailable(template, message, "template_failed");
  }
}
