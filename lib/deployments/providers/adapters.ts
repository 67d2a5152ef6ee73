import "server-only";
import { netlifyAdapter } from "../netlify/netlify-adapter";
import { vercelAdapter } from "../vercel/vercel-adapter";
import type { RemoteAdapter } from "./remote-adapter";
import type { RemoteProvider } from "./schemas";

export const adapters: Record<RemoteProvider, RemoteAdapter> = {
  vercel: vercelAdapter,
  netlify: netlifyAdapter,
};
