import type { ProviderAccess } from "./credentials";

// What Kiln needs of a remote host: put a tree of files up as a new deployment, say how that
// deployment is doing, and take it down. lib/deployments/vercel and lib/deployments/netlify
// speak each provider's REST API behind this.

export interface DeployFile {
  /** From the tree's root, "/" between names, no leading slash. */
  path: string;
  bytes: Buffer;
  /** Hex SHA-1 of the bytes: both providers address uploads by it. */
  sha1: string;
}

export interface RemoteStarted {
  remoteId: string;
  /** The site created for it, where the provider has sites (Netlify). */
  siteId: string | null;
  url: string;
}

export type RemoteState =
  | { state: "building" }
  | { state: "ready"; url: string | undefined }
  | { state: "error"; message: string };

export interface RemoteAdapter {
  start(options: {
    access: ProviderAccess;
    /** A name for the deployment (or site) on the provider, already fit for it. */
    name: string;
    files: DeployFile[];
    onProgress(line: string): void;
  }): Promise<RemoteStarted>;
  status(options: { access: ProviderAccess; remoteId: string }): Promise<RemoteState>;
  /** Takes the deployment down; one the provider no longer has counts as removed. */
  remove(options: {
    access: ProviderAccess;
    remoteId: string | null;
    siteId: string | null;
  }): Promise<void>;
}

/** Runs `work` over `items`, `width` at a time. */
export async function eachLimited<T>(
  items: T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
