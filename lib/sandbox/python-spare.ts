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
  ready: Promise<boolean>;
  bornAt: number;
}

// A spare older than this is replaced, so its kernel's wall-time limit stays far away.
const spareMaxAgeMs = 10 * 60_000;
let spare: Spare | undefined;
let starting = false;
let leftoversRemoved = false;

const sparesDir = () => path.join(getEnv().dataDir, "sandboxes", ".spares");

/**
 * A started kernel whose sandbox directory (workspace included) is now `dir`, which must not
 * exist yet; undefined when none is ready. Either way the next spare starts.
 */
export async function takeSpareKernel(options: {
  dir: string;
  lifetimeMs: number;
  diskBytes: number;
}): Promise<PythonSession | undefined> {
  const taken = spare;
  spare = undefined;
  setImmediate(() => void refill(options));
  if (!taken || Date.now() - taken.bornAt > spareMaxAgeMs) {
    if (taken) void discard(taken);
    return undefined;
  }
  if (!(await taken.ready) || !taken.session.alive) {
    void discard(taken);
    return undefined;
  }
  await rename(taken.dir, options.dir);
  return taken.session;
}

async function refill(options: { lifetimeMs: number; diskBytes: number }) {
  if (spare || starting) return;
  starting = true;
  try {
    // A previous process's spares are of no use: their kernels died with it.
    if (!leftoversRemoved) await removeLeftovers();
    leftoversRemoved = true;
    const dir = path.join(sparesDir(), prefixedId("spare"));
    const workspace = await createWorkspace({ dir, sizeBytes: options.diskBytes });
    const session = startPythonSession({
      workspace,
      lifetimeMs: options.lifetimeMs + spareMaxAgeMs,
      bwrap: getEnv().KILN_SANDBOX_BWRAP,
    });
    // Running an empty cell starts the kernel and waits until it answers.
    const ready = session.run("pass").then(
      () => true,
      () => false,
    );
    spare = { dir, session, ready, bornAt: Date.now() };
  } catch (error) {
    log.warn("spare Python kernel not started", { error });
  } finally {
    starting = false;
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
