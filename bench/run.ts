// npm run bench: runs every bench/*.bench.ts in its own process, one after another (they
// measure, so they must not share the machine), and prints their results as one JSON document.
// Each benchmark prints one JSON object with its baseline measured in the same run.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const only = process.argv.slice(2);

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(" ")} exited with ${code}`)),
    );
  });
}

// Measured processes get a clean environment: NODE_EXTRA_CA_CERTS and friends slow every
// Node start, and nothing of the caller's configuration should leak into a measurement.
const kept = [
  "PATH",
  "HOME",
  "BENCH_SECONDS",
  "BENCH_ROUNDS",
  "BENCH_CONCURRENCY",
  "BENCH_DATABASE_URL",
  "BENCH_NODE_OPTIONS",
  "BENCH_PROFILE",
];
const env = Object.fromEntries(
  kept.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
) as NodeJS.ProcessEnv;

if (!existsSync(path.join(root, ".next", "BUILD_ID"))) {
  console.error("bench: no production build yet; running next build");
  await run(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], env);
}

const files = readdirSync(path.join(root, "bench"))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
// The IDE bench (Chromium, the npm registry for the Node and Next.js templates) runs only when
// named: `npm run bench -- ide`.
if (only.includes("ide")) files.push("ide.ts");
const results: unknown[] = [];
for (const file of files) {
  console.error(`bench: ${file}`);
  const out = await run(process.execPath, [path.join("bench", file)], env);
  const line = out
    .trim()
    .split("\n")
    .findLast((l) => l.startsWith("{"));
  if (!line) throw new Error(`${file} printed no JSON result`);
  results.push(JSON.parse(line));
}

const report = {
  machine: { node: process.version, cpus: (await import("node:os")).cpus().length },
  results,
};
const text = JSON.stringify(report, null, 2);
mkdirSync(path.join(root, "bench", "results"), { recursive: true });
writeFileSync(path.join(root, "bench", "results", `${new Date().toISOString()}.json`), text);
console.log(text);
