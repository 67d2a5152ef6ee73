import "server-only";
import { readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { prefixedId } from "@/lib/ids";
import { log } from "@/lib/log";
import { getTemplate, type TemplateId } from "@/lib/templates/templates";
import { LocalSandbox, longLivedWallMs } from "./local-sandbox";
import { createWorkspace, removeWorkspace } from "./workspace-volume";

// A warm spare for the Next.js template: a sandbox whose dev server already runs and has
// compiled the template's page, so that a new Next.js sandbox answers its first request with
// the page in a fraction of a cold start (a dev server's start and first compile take seconds).
// The next Run of the template takes it (its directory renamed into place: running processes
// keep their mounts) and writes the fragment's files into it, which the dev server hot-reloads;
// another spare then starts in the background. Apps are served at the root of their own
// origin, so nothing in a spare depends on the sandbox id it will get.
//
// The first Next.js sandbox of a server's life starts the spare; until then none runs. A spare
// belongs to no user and does not count against one's limit, but it is a sandbox on this
// machine: it counts against KILN_SANDBOX_MAX_TOTAL (open-sandbox.ts asks heldSpares), and one
// starts only while the machine has room (roomForSpare). KILN_SANDBOX_NEXT_SPARE=off turns it off.

export const spareTemplate: TemplateId = "nextjs-developer";

interface Spare {
  id: string;
  dir: string;
  sandbox: LocalSandbox;
  bornAt: number;
}

// A spare older than this is replaced, so that its dev server has all of a sandbox's life ahead.
const spareMaxAgeMs = 30 * 60_000;
let ready: Spare | undefined;
let coming: Promise<Spare | undefined> | undefined;
let leftoversRemoved = false;
let stopped = false;

const sparesDir = () => path.join(getEnv().dataDir, "sandboxes", ".next-spares");
// The page the spare's dev server compiles (with the template's _app, styles and Tailwind) and
// then forgets: the fragment brings its own pages, and none of the spare's stays behind.
const warmPage = "pages/index.tsx";
const warmPageCode = "export default function Warm() {\n  return <main />;\n}\n";

export function nextSpareEnabled(): boolean {
  return getEnv().KILN_SANDBOX_NEXT_SPARE === "on";
}

/** Spares held (ready or starting) that a new sandbox of `template` would not take. */
export function heldSpares(template: TemplateId): number {
  if (template === spareTemplate && ready) return 0;
  return ready || coming ? 1 : 0;
}

/**
 * The warm spare as sandbox `sbxId`, its directory now `dir` (which must not exist yet), or
 * undefined when none is ready. Either way another spare is started when there is room.
 */
export async function takeSpareApp(options: {
  template: TemplateId;
  sbxId: string;
  dir: string;
  expiresAt: number;
  roomForSpare?: () => Promise<boolean>;
}): Promise<LocalSandbox | undefined> {
  if (options.template !== spareTemplate || !nextSpareEnabled()) return undefined;
  const taken = ready;
  ready = undefined;
  void topUp(options.roomForSpare);
  if (!taken) return undefined;
  const port = getTemplate(spareTemplate)?.port;
  if (Date.now() - taken.bornAt > spareMaxAgeMs || !port || !taken.sandbox.previewTarget()) {
    void taken.sandbox.kill();
    return undefined;
  }
  await rename(taken.dir, options.dir);
  return new LocalSandbox(options.sbxId, options.template, options.expiresAt, undefined, {
    adopt: taken.sandbox,
  });
}

async function topUp(roomForSpare?: () => Promise<boolean>) {
  if (ready || coming || stopped) return;
  const room = roomForSpare ? await roomForSpare().catch(() => false) : true;
  if (!room || ready || coming || stopped) return;
  const next = makeSpare();
  coming = next;
  const made = await next;
  coming = undefined;
  if (!made) return;
  if (stopped) await made.sandbox.kill();
  else ready = made;
}

async function makeSpare(): Promise<Spare | undefined> {
  const id = prefixedId("spare");
  const dir = path.join(sparesDir(), id);
  const template = getTemplate(spareTemplate)!;
  let sandbox: LocalSandbox | undefined;
  try {
    // A previous process's spares are of no use: their servers died with it.
    if (!leftoversRemoved) await removeLeftovers();
    leftoversRemoved = true;
    await createWorkspace({ dir, sizeBytes: getEnv().KILN_SANDBOX_DISK_MB * 1024 * 1024 });
    sandbox = new LocalSandbox(id, spareTemplate, Date.now() + longLivedWallMs, undefined, {
      dir,
    });
    await sandbox.prepare();
    await sandbox.writeFiles([{ path: warmPage, content: warmPageCode }]);
    // Resolves once the server has answered its first page, compiled.
    await sandbox.startServer({
      command: template.runCommand,
      port: template.port!,
      keepRunning: true,
    });
    await rm(path.join(sandbox.workspace, warmPage));
    return { id, dir, sandbox, bornAt: Date.now() };
  } catch (error) {
    log.warn("spare Next.js sandbox not started", { error });
    await (sandbox ? sandbox.kill() : removeWorkspace(dir)).catch(() => {});
    return undefined;
  }
}

/** Stops the spare and any on its way, on the way out (lib/process-lifetime.ts). */
export async function stopSpares(): Promise<void> {
  stopped = true;
  const held = ready;
  ready = undefined;
  await Promise.all([held?.sandbox.kill(), coming?.then((made) => made?.sandbox.kill())]);
}

async function removeLeftovers() {
  const names = await readdir(sparesDir()).catch(() => []);
  for (const name of names) await removeWorkspace(path.join(sparesDir(), name));
}
