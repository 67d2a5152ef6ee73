import "server-only";
import { readdir, rename } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { prefixedId } from "@/lib/ids";
import { log } from "@/lib/log";
import { type PythonSession, startPythonSession } from "./python-session";
import { createWorkspace, removeWorkspace } from "./workspace-volume";

// One Python kernel kept started ahead of need, in a workspace of its own, so that a new
// code-interpreter sandbox does not wait for its workspace volume, bubblewrap and Python to
// start: the sandbox takes the kernel and its directory (renamed into place; the kernel's bind
// mount and the volume's mount follow it), and another spare starts in the background. The first interpreter sandbox of a
// server's life starts the pool; until then no kernel waits idle.

interface Spare {
  dir: string;
  session: PythonSession;
  bornAt: number;
}

// A spare older than this is replaced: a sandbox gets a kernel with all of its lifetime ahead.
const spareMaxAgeMs = 10 * 60_000;
// Starting a spare spawns processes, and a spawn holds up the event loop while it forks: the
// request that took the last spare finishes first.
const refillDelayMs = 100;
let spare: Spare | undefined;
// The spare on its way, and a way to skip its delay when someone is waiting for it.
let filling: { spare: Promise<Spare | undefined>; hurry(): void } | undefined;
let leftoversRemoved = false;

const sparesDir = () => path.join(getEnv().dataDir, "sandboxes", ".spares");

/**
 * A started kernel whose sandbox directory (workspace included) is now `dir`, which must not
 * exist yet: the ready spare, else the one on its way (sooner than starting another from
 * nothing), else undefined before the first call. Either way the next spare is started.
 */
export async function takeSpareKernel(options: {
  dir: string;
  lifetimeMs: number;
  diskBytes: number;
}): Promise<PythonSession | undefined> {
  let taken = spare;
  spare = undefined;
  if (!taken && filling) {
    const coming = filling;
    filling = undefined;
    coming.hurry();
    taken = await coming.spare;
  }
  if (!filling) fill(options);
  if (!taken) return undefined;
  if (Date.now() - taken.bornAt > spareMaxAgeMs || !taken.session.alive) {
    void discard(taken);
    return undefined;
  }
  await rename(taken.dir, options.dir);
  return taken.session;
}

function fill(options: { lifetimeMs: number; diskBytes: number }) {
  let hurry = () => {};
  const delay = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, refillDelayMs);
    hurry = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  const next = { spare: delay.then(() => makeSpare(options)), hurry: () => hurry() };
  filling = next;
  void next.spare.then((made) => {
    // Unless someone took it on its way, it becomes the ready spare.
    if (filling !== next) return;
    filling = undefined;
    if (made) spare = made;
  });
}

async function makeSpare(options: { lifetimeMs: number; diskBytes: number }) {
  const dir = path.join(sparesDir(), prefixedId("spare"));
  let session: PythonSession | undefined;
  try {
    // A previous process's spares are of no use: their kernels died with it.
    if (!leftoversRemoved) await removeLeftovers();
    leftoversRemoved = true;
    const workspace = await createWorkspace({ dir, sizeBytes: options.diskBytes });
    session = startPythonSession({
      workspace,
      lifetimeMs: options.lifetimeMs,
      bwrap: getEnv().KILN_SANDBOX_BWRAP,
    });
    // Running an empty cell starts the kernel and waits until it answers.
    await session.run("pass");
    return { dir, session, bornAt: Date.now() };
  } catch (error) {
    log.warn("spare Python kernel not started", { error });
    await session?.close();
    await removeWorkspace(dir).catch(() => {});
    return undefined;
  }
}

async function discard(old: Spare) {
  await old.session.close();
  await removeWorkspace(old.dir);
}

async function removeLeftovers() {
  const names = await readdir(sparesDir()).catch(() => []);
  for (const name of names) await removeWorkspace(path.join(sparesDir(), name));
}
