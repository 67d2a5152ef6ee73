// Runs once when the server starts: opens the database (applying migrations) so the first
// request does not pay for it, and starts the periodic clean-up of expired sessions.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startBackground } = await import("@/lib/startup");
  startBackground();
}
