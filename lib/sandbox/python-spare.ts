import "server-only";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { prefixedId } from "@/lib/ids";
import { log } from "@/lib/log";
import { type PythonSession, startPythonSession } from "./python-session";

// One Python kernel kept started ahead of need, in a workspace of its own, so that a new
// code-interpreter sandbox does not wait for bubblewrap and Python to start: the sandbox takes
// the kernel and its workspace (renamed into place; the kernel's bind mount follows the
// directory), and another spare starts in the background. The first interpreter sandbox of a
// server's life starts the pool; until then no kernel waits idle.

interface Spare {
  workspace: string;
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
 * A started kernel whose workspace is now `workspace` (which must not exist yet), or undefined
 * when none is ready; either way the next spare starts.
 */
export async function takeSpareKernel(options: {
  workspace: string;
  lifetimeMs: number;
}): Promise<PythonSession | undefined> {
  const taken = spare;
  spare = undefined;
  setImmediate(() => void refill(options.lifetimeMs));
  if (!taken || Date.now() - taken.bornAt > spareMaxAgeMs) {
    if (taken) void discard(taken);
    return undefined;
  }
  if (!(await taken.ready) || !taken.session.alive) {
    void discard(taken);
    return undefined;
  }
  await rename(taken.workspace, options.workspace);
  return taken.session;
}

async function refill(lifetimeMs: number) {
  if (spare || starting) return;
  starting = true;
  try {
    // A previous process's spares are of no use: their kernels died with it.
    if (!leftoversRemoved) await rm(sparesDir(), { recursive: true, force: true });
    leftoversRemoved = true;
    const workspace = path.join(sparesDir(), prefixedId("spare"));
    await mkdir(workspace, { recursive: true, mode: 0o700 });
    const session = startPythonSession({
      workspace,
      lifetimeMs: lifetimeMs + spareMaxAgeMs,
      bwrap: getEnv().KILN_SANDBOX_BWRAP,
    });
    // Running an empty cell starts the kernel and waits until it answers.
    const ready = session.run("pass").then(
      () => true,
      () => false,
    );
    spare = { workspace, session, ready, bornAt: Date.now() };
  } catch (error) {
    log.warn("spare Python kernel not started", { error });
  } finally {
    starting = false;
  }
}

async function discard(old: Spare) {
  await old.session.close();
  await rm(old.workspace, { recursive: true, force: true });
}
