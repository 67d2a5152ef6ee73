// ./kiln backup <file>: writes a copy of an embedded install's DATA_DIR, its database and its
// secret, as a gzipped tar (`tar xzf <file> -C <DATA_DIR>` restores it by hand; ./kiln restore
// does it safely). While Kiln runs, only Kiln may open the database, so the running process
// dumps it (lib/db/backup-socket.ts); when none runs, this command holds DATA_DIR itself while
// it copies, so that no Kiln starts meanwhile.
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
} from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import * as tar from "tar";
import { backupSocketPath, DataDirInUseError, lockDataDir } from "../lib/db/data-dir-lock.ts";
import { embeddedDataDir, fail } from "./embedded-data-dir.ts";

const usage = "usage: ./kiln backup <file>   (a .tar.gz holding DATA_DIR's database and secret)";

/** The running Kiln's dump of its database: a gzipped tar of the files of pgdata/. */
function askRunningKiln(dataDir: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(backupSocketPath(dataDir));
    const chunks: Buffer[] = [];
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => {
      const answer = Buffer.concat(chunks);
      const newline = answer.indexOf(10);
      const header = answer.subarray(0, newline).toString();
      const body = answer.subarray(newline + 1);
      if (header.startsWith("error ")) return reject(new Error(header.slice(6)));
      const length = /^ok (\d+)$/.exec(header)?.[1];
      if (newline < 0 || Number(length) !== body.length) {
        return reject(new Error("the running Kiln's answer was cut short"));
      }
      resolve(body);
    });
    socket.write("backup\n");
  });
}

// A Kiln that has just started holds DATA_DIR a moment before its database is open and
// answering; a process that is not Kiln (a restore) never answers.
async function dumpFromRunningKiln(dataDir: string, holder: DataDirInUseError): Promise<Buffer> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await askRunningKiln(dataDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== "ENOENT" && code !== "ECONNREFUSED") || Date.now() > deadline) {
        fail(`${holder.message}\nIt did not produce a backup: ${(error as Error).message}`);
      }
      await sleep(250);
    }
  }
}

async function main() {
  const target = process.argv[2];
  if (!target || process.argv.length > 3) fail(usage);
  const file = path.resolve(target);
  const dataDir = embeddedDataDir("backup");
  if (!existsSync(path.join(dataDir, "pgdata", "PG_VERSION"))) {
    fail(`there is no embedded database in DATA_DIR ${dataDir}`);
  }
  const staging = mkdtempSync(path.join(path.dirname(file), ".kiln-backup-"));
  const partial = path.join(staging, "backup.tar.gz");
  try {
    let source = dataDir;
    try {
      lockDataDir(dataDir);
    } catch (error) {
      if (!(error instanceof DataDirInUseError)) throw error;
      const dump = await dumpFromRunningKiln(dataDir, error);
      source = path.join(staging, "data");
      mkdirSync(path.join(source, "pgdata"), { recursive: true });
      await pipeline(Readable.from(dump), tar.x({ cwd: path.join(source, "pgdata") }));
      if (existsSync(path.join(dataDir, "secret"))) {
        copyFileSync(path.join(dataDir, "secret"), path.join(source, "secret"));
      }
    }
    const entries = ["pgdata", "secret"].filter((name) => existsSync(path.join(source, name)));
    await pipeline(
      tar.c({ gzip: true, cwd: source, portable: true }, entries),
      // It holds the secret that decrypts stored provider keys: the owner's eyes only.
      createWriteStream(partial, { mode: 0o600 }),
    );
    renameSync(partial, file);
    console.log(`kiln: backed up ${dataDir} to ${file}`);
    if (!entries.includes("secret")) {
      console.log("kiln: DATA_DIR has no secret file (KILN_SECRET is set): keep KILN_SECRET too.");
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

await main().catch((error: Error) => fail(`backup failed: ${error.message}`));
