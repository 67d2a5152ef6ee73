import "server-only";
import { readdir, rename } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { prefixedId } from "@/lib/ids";
import { log } from "@/lib/log";
import { createWorkspace, removeWorkspace } from "@/lib/sandbox/local/workspace-volume";
import { type PythonSession, startPythonSession } from "./python-session";

// Python kernels kept started ahead of need, each in a workspace of its own, so that a new
// code-interpreter sandbox does not wait for its workspace volume, bubblewrap and Python to
// start: the sandbox takes a kernel and its directory (renamed into place; the kernel's bind
// mount and the volume's mount follow it), and another spare starts in the background. The
// first interpreter sandbox of a server's life starts the pool; until then no kernel waits.

interface Spare {
  dir: string;
  session: PythonSession;
  bornAt: number;
}

// A spare older than this is replaced: a sandbox gets a kernel with all of its lifetime ahead.
const spareMaxAgeMs = 10 * 60_000;
// Spares kept ready or on their way. Two, started side by side, keep up with sandboxes created
// one after another as fast as a client can; each idle spare is one sleeping Python process.
const poolSize = 2;
// Starting a spare spawns processes, and a spawn holds up the event loop while it forks: the
// request that took the last spare finishes first.
const refillDelayMs = 100;

interface Coming {
  spare: Promise<Spare | undefined>;
  /** Skips the delay, for someone waiting. */
  hurry(): void;
}
const ready: Spare[] = [];
const coming: Coming[] = [];
let leftoversRemoved = false;

const sparesDir = () => path.join(getEnv().dataDir, "sandboxes", ".spares");

/**
 * A started kernel whose sandbox directory (workspace included) is now `dir`, which must not
 * exist yet: a ready spare, else the first on its way (sooner than starting another from
 * nothing), else undefined before the first call. Either way the pool is topped up.
 */
export async function takeSpareKernel(options: {
  dir: string;
  lifetimeMs: number;
  diskBytes: number;
}): Promise<PythonSession | undefined> {
  let taken = ready.shift();
  if (!taken && coming.length > 0) {
    const first = coming.shift()!;
    first.hurry();
    topUp(options);
    taken = await first.spare;
  }
  topUp(options);
  if (!taken) return undefined;
  if (Date.now() - taken.bornAt > spareMaxAgeMs || !taken.session.alive) {
    void discard(taken);
    return undefined;
  }
  await rename(taken.dir, options.dir);
  return taken.session;
}

function topUp(options: { lifetimeMs: number; diskBytes: number }) {
  while (ready.length + coming.length < poolSize) {
    let hurry = () => {};
    const delay = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, refillDelayMs);
      hurry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const next: Coming = { spare: delay.then(() => makeSpare(options)), hurry: () => hurry() };
    coming.push(next);
    void next.spare.then((made) => {
      // Unless someone took it on its way, it joins the ready spares.
      const index = coming.indexOf(next);
      if (index < 0) return;
      coming.splice(index, 1);
      if (made) ready.push(made);
    });
  }
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
