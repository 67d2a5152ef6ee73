// ./kiln restore <file>: puts a backup made by ./kiln backup into DATA_DIR. It holds DATA_DIR
// while it works, so it refuses while a Kiln runs there and no Kiln starts meanwhile. What
// DATA_DIR held before (its database and secret) is moved aside, never deleted.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import * as tar from "tar";
import { DataDirInUseError, lockDataDir } from "../lib/db/data-dir-lock.ts";
import { embeddedDataDir, fail } from "./embedded-data-dir.ts";

const usage = "usage: ./kiln restore <file>   (a backup written by ./kiln backup)";
const restored = ["pgdata", "secret"];

async function main() {
  const source = process.argv[2];
  if (!source || process.argv.length > 3) fail(usage);
  const file = path.resolve(source);
  const dataDir = embeddedDataDir("restore");
  if (!existsSync(file)) fail(`${file} does not exist`);

  const names = new Set<string>();
  try {
    await tar.t({ file, onReadEntry: (entry) => names.add(entry.path.replace(/\/$/, "")) });
  } catch (error) {
    fail(`${file} is not a Kiln backup: ${(error as Error).message}`);
  }
  if (!names.has("pgdata/PG_VERSION")) fail(`${file} is not a Kiln backup (no pgdata/)`);

  try {
    lockDataDir(dataDir);
  } catch (error) {
    if (error instanceof DataDirInUseError) fail(`cannot restore: ${error.message}`);
    throw error;
  }
  const staging = mkdtempSync(path.join(dataDir, ".restore-"));
  try {
    await tar.x({
      file,
      cwd: staging,
      filter: (entry) => restored.some((name) => entry === name || entry.startsWith(`${name}/`)),
    });
    const present = restored.filter((name) => existsSync(path.join(dataDir, name)));
    if (present.length > 0) {
      const aside = path.join(dataDir, `before-restore-${new Date().toISOString()}`);
      mkdirSync(aside, { mode: 0o700 });
      for (const name of present) renameSync(path.join(dataDir, name), path.join(aside, name));
      console.log(`kiln: what DATA_DIR held before is now in ${aside}`);
    }
    for (const name of restored) {
      if (existsSync(path.join(staging, name))) {
        renameSync(path.join(staging, name), path.join(dataDir, name));
      }
    }
    if (existsSync(path.join(dataDir, "secret"))) chmodSync(path.join(dataDir, "secret"), 0o600);
    else console.log("kiln: the backup holds no secret: start Kiln with the KILN_SECRET it had.");
    console.log(`kiln: restored ${file} into ${dataDir}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

await main().catch((error: Error) => fail(`restore failed: ${error.message}`));
