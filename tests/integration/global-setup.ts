import pg from "pg";
import type { TestProject } from "vitest/node";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { npmRegistryReachable, reportUnreachableRegistry } from "../support/npm-registry";

export interface Backend {
  name: "pglite" | "postgres";
  url: string;
  databaseUrl?: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    backends: Backend[];
    /** Whether the npm registry answered: the steps that install from it run only then. */
    npmRegistry: boolean;
  }
}

// Limits roomy enough that the suite's own traffic from one address never trips them; the
// rate-limit tests start servers of their own with small limits.
export const suiteEnv = {
  KILN_RATE_LIMIT_GENERAL: "100000/15m",
  KILN_RATE_LIMIT_LOGIN: "100000/15m",
  KILN_RATE_LIMIT_LOGIN_ADDRESS: "100000/15m",
  KILN_RATE_LIMIT_LOGIN_EMAIL: "100000/15m",
  KILN_RATE_LIMIT_TIER_FREE: "100000",
  // The suite's files share these servers and leave their sandboxes to expire.
  KILN_SANDBOX_MAX_TOTAL: "1000",
};

/** Empties the Postgres test database so every run starts from the migrations. */
export async function resetPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    "drop schema if exists public cascade; create schema public; drop schema if exists auth cascade;",
  );
  await client.end();
}

export default async function setup(project: TestProject) {
  const servers: KilnServer[] = [];
  const backends: Backend[] = [];
  const databaseUrl = process.env.TEST_DATABASE_URL;

  const starting: Promise<void>[] = [
    startKiln({ env: suiteEnv }).then((s) => {
      servers.push(s);
      backends.push({ name: "pglite", url: s.url });
    }),
  ];
  if (databaseUrl) {
    starting.push(
      resetPostgres(databaseUrl)
        .then(() => startKiln({ env: { ...suiteEnv, DATABASE_URL: databaseUrl } }))
        .then((s) => {
          servers.push(s);
          backends.push({ name: "postgres", url: s.url, databaseUrl });
        }),
    );
  } else {
    console.log("\n  skipped: Postgres integration suite (set TEST_DATABASE_URL to run it)\n");
  }
  const [registry] = await Promise.all([npmRegistryReachable(), ...starting]);
  if (!registry) reportUnreachableRegistry("every integration step that installs npm packages");
  backends.sort((a, b) => a.name.localeCompare(b.name));
  project.provide("backends", backends);
  project.provide("npmRegistry", registry);

  return async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
}
