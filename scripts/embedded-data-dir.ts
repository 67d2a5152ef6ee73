// What `./kiln backup` and `./kiln restore` work on: the DATA_DIR `./kiln start` would use,
// read from the environment and the .env files as Next reads them for the server. Not
// getEnv(): it would generate a secret into a data directory about to be restored.
import path from "node:path";
import nextEnv from "@next/env";
import { EnvError, parseEnv } from "../lib/env.ts";

const root = path.resolve(import.meta.dirname, "..");

/** The embedded install's DATA_DIR, or an exit with the way to go when Kiln uses Postgres. */
export function embeddedDataDir(command: "backup" | "restore"): string {
  nextEnv.loadEnvConfig(root, false, { info: () => {}, error: console.error });
  try {
    const env = parseEnv(process.env);
    if (env.DATABASE_URL) {
      const how = command === "backup" ? "back it up with pg_dump" : "restore it with pg_restore";
      fail(
        `Kiln keeps its data in Postgres (DATABASE_URL), not in DATA_DIR: ${how}. Keep ` +
          "KILN_SECRET (or DATA_DIR/secret) with it: stored provider keys need it.",
      );
    }
    return path.resolve(root, env.DATA_DIR);
  } catch (error) {
    if (error instanceof EnvError) fail(error.message);
    throw error;
  }
}

export function fail(message: string): never {
  console.error(`kiln: ${message}`);
  process.exit(1);
}
