import { startFakeOpenAI } from "../support/fake-openai";
import { runReply } from "../support/fake-run-replies";
import { specReply } from "../support/fake-spec-replies";
import { startKiln } from "../support/kiln-server";
import { ownPostgresDatabase } from "../support/own-database";
import { suiteEnv } from "./global-setup";

/**
 * A Kiln that builds runs against the fake model (which writes specs, plans and task files), on
 * PGlite or, given the suite's shared Postgres URL, on a database of the suite's own (named by
 * `suffix`): every Kiln on a database runs its queued jobs.
 */
export async function startBuildServers(options: {
  sharedDatabaseUrl: string | undefined;
  suffix: string;
  env?: Record<string, string>;
}) {
  const databaseUrl =
    options.sharedDatabaseUrl &&
    (await ownPostgresDatabase(options.sharedDatabaseUrl, options.suffix));
  const fake = await startFakeOpenAI({
    models: ["run-model"],
    defaultReply: (request) =>
      specReply(request.prompt) ?? runReply(request.prompt) ?? { text: "not a known step" },
  });
  const kiln = await startKiln({
    env: { ...suiteEnv, OPENAI_BASE_URL: fake.url, DATABASE_URL: databaseUrl, ...options.env },
  });
  return { databaseUrl, fake, kiln };
}
