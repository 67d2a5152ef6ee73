// Runs once when the server starts, inside Next's bundle: registers the process's websocket
// upgrade handlers and shutdown work (lib/process-lifetime.ts), opens the database (applying
// migrations) so the first request does not pay for it, and starts the periodic clean-ups of
// expired sessions and sandboxes.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startBackground } = await import("@/lib/startup");
  startBackground();
}
