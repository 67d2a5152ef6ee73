// npm run bench -- runs: every bench/runs-*.ts (events, export, ...), each in its own process
// one after another, printed as one JSON object with each section's result.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

const benchDir = import.meta.dirname;
const sections = readdirSync(benchDir)
  .filter((f) => /^runs-[a-z0-9-]+\.ts$/.test(f))
  .sort();

function run(file: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(benchDir, file)], {
      cwd: path.dirname(benchDir),
      env: process.env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("close", (code) => {
      const line = out
        .trim()
        .split("\n")
        .findLast((l) => l.startsWith("{"));
      if (code !== 0 || !line) reject(new Error(`${file} exited with ${code} and no result`));
      else resolve(JSON.parse(line));
    });
  });
}

const results: unknown[] = [];
for (const file of sections) {
  console.error(`runs: ${file}`);
  results.push(await run(file));
}
console.log(
  JSON.stringify({
    name: "runs",
    sections: results,
    met: results.every((r) => (r as { met?: boolean }).met === true),
  }),
);
