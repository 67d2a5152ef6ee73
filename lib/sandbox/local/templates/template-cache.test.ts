import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  watch,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KilnError } from "@/lib/errors";
import { runInSandbox } from "@/lib/sandbox/local/bwrap";
import { sandboxNodeRuntime } from "@/lib/sandbox/local/node-runtime";
import { getTemplate, type Template, templates } from "@/lib/templates/templates";
import { needsNpmRegistry, npmRegistryReachable } from "@/tests/support/npm-registry";
import {
  type PreparedTemplate,
  prepareTemplate,
  type TemplateProgress,
  templateVersion,
} from "./template-cache";
import { templateFiles } from "./template-files";
import { copyTemplateDependencies, seedWorkspace, templateBinds } from "./template-workspace";

const bwrap = "bwrap";
const nodeServer = getTemplate("node-server")!;
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "kiln-template-cache-"));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function freshDir(name: string) {
  const dir = path.join(scratch, `${name}-${randomBytes(4).toString("hex")}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs node with the runtime's binds and the template's, from /workspace. */
async function runNode(workspace: string, prepared: PreparedTemplate, script: string) {
  const node = sandboxNodeRuntime();
  const run = runInSandbox({
    workspace,
    command: ["node", "-e", script],
    env: { PATH: `${node.pathPrefix}:/usr/local/bin:/usr/bin:/bin` },
    readOnlyBinds: [...node.binds, ...(await templateBinds(prepared, { workspace }))],
    bwrap,
  });
  return run.done;
}

describe("template versions", () => {
  const files = templateFiles("node-server");
  const base = { template: nodeServer, files, nodeMajor: 22 };

  test("name the template and change with its libraries, scaffold and Node.js major", () => {
    const version = templateVersion(base);
    expect(version).toMatch(/^node-server-[0-9a-f]{12}$/);
    expect(templateVersion({ ...base, files: [...files].reverse() })).toBe(version);
    const changed = [
      templateVersion({ ...base, template: { ...nodeServer, libraries: ["express", "cors"] } }),
      templateVersion({ ...base, files: [...files, { path: "x.js", content: "" }] }),
      templateVersion({ ...base, nodeMajor: 24 }),
    ];
    expect(new Set([version, ...changed]).size).toBe(4);
  });

  test("each npm template pins an exact version of every library it lists", () => {
    for (const template of templates.filter((t) => t.installCommand === "npm install")) {
      const manifest = templateFiles(template.id).find((file) => file.path === "package.json");
      const dependencies = JSON.parse(manifest!.content).dependencies as Record<string, string>;
      for (const library of template.libraries) {
        expect(dependencies[library], `${template.id}: ${library}`).toMatch(/^\d+\.\d+\.\d+$/);
      }
    }
  });
});

describe("templates without npm dependencies", () => {
  test("static-html is ready at once, with nothing to mount", async () => {
    const progress: TemplateProgress[] = [];
    const prepared = await prepareTemplate({
      template: getTemplate("static-html")!,
      cacheDir: freshDir("static"),
      onProgress: (p) => progress.push(p),
    });
    expect(prepared).toMatchObject({ dir: undefined, nodeModules: undefined, cached: true });
    expect(progress.map((p) => p.stage)).toEqual(["cached"]);
    expect(await templateBinds(prepared)).toEqual([]);
  });

  const hasStreamlit = (() => {
    try {
      execFileSync("/usr/bin/python3", ["-c", "import streamlit"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  test.skipIf(hasStreamlit)("streamlit is refused when its Python package is missing", async () => {
    const error = await prepareTemplate({
      template: getTemplate("streamlit-developer")!,
      cacheDir: freshDir("streamlit"),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(KilnError);
    expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE", reason: "template_unavailable" });
    expect(error.message).toContain('"streamlit" is not installed');
  });
});

describe("the sandbox's Node.js", () => {
  test("is the one running Kiln", async () => {
    const workspace = freshDir("runtime");
    const result = await runNode(
      workspace,
      { nodeModules: undefined } as PreparedTemplate,
      "console.log(process.version)",
    );
    expect(result.stdout.trim()).toBe(process.version);
  });
});

describe("seedWorkspace", () => {
  test("writes missing scaffold files, keeps the fragment's, and replaces a linked node_modules", async () => {
    const workspace = freshDir("seed");
    writeFileSync(path.join(workspace, "package.json"), "{}\n");
    symlinkSync("/etc", path.join(workspace, "node_modules"));
    const prepared: PreparedTemplate = {
      dir: undefined,
      nodeModules: "/nonexistent/node_modules",
      cached: true,
      files: [...templateFiles("nextjs-developer")],
    };
    await seedWorkspace({ workspace, prepared });
    expect(readFileSync(path.join(workspace, "package.json"), "utf8")).toBe("{}\n");
    expect(readFileSync(path.join(workspace, "pages/_app.tsx"), "utf8")).toContain("globals.css");
    expect(lstatSync(path.join(workspace, "node_modules")).isDirectory()).toBe(true);
  });
});

// One real install of the smallest template, from the npm registry.
const registryReachable = await npmRegistryReachable();

describe.skipIf(!registryReachable)(needsNpmRegistry("node-server", registryReachable), () => {
  let cacheDir: string;
  let prepared: PreparedTemplate;

  beforeAll(() => {
    cacheDir = freshDir("cache");
  });

  test("two concurrent prepares run one npm install", { timeout: 180_000 }, async () => {
    const stagings = new Set<string>();
    const watcher = watch(cacheDir, (_event, name) => {
      if (name?.startsWith(".staging-")) stagings.add(name);
    });
    const first: TemplateProgress[] = [];
    const second: TemplateProgress[] = [];
    const [a, b] = await Promise.all([
      prepareTemplate({ template: nodeServer, cacheDir, bwrap, onProgress: (p) => first.push(p) }),
      prepareTemplate({ template: nodeServer, cacheDir, bwrap, onProgress: (p) => second.push(p) }),
    ]).finally(() => watcher.close());
    prepared = a;

    expect(stagings.size).toBe(1);
    expect(a).toEqual(b);
    expect(a.cached).toBe(false);
    expect(a.nodeModules).toBe(path.join(a.dir!, "node_modules"));
    expect(readdirSync(cacheDir)).toEqual([path.basename(a.dir!)]);
    expect(readdirSync(a.dir!).sort()).toEqual([
      "node_modules",
      "package-lock.json",
      "package.json",
      "ready",
    ]);
    expect(JSON.parse(readFileSync(path.join(a.dir!, "ready"), "utf8"))).toMatchObject({
      template: "node-server",
      libraries: ["express"],
      node: process.version,
    });
    for (const progress of [first, second]) {
      expect(progress.at(-1)).toMatchObject({ stage: "ready", percent: 100 });
      expect(progress.some((p) => /^added \d+ packages/.test(p.message))).toBe(true);
    }
  });

  test("a second prepare finds the entry without running npm", async () => {
    const marker = readFileSync(path.join(prepared.dir!, "ready"), "utf8");
    const progress: TemplateProgress[] = [];
    const started = performance.now();
    const again = await prepareTemplate({
      template: nodeServer,
      cacheDir,
      bwrap,
      onProgress: (p) => progress.push(p),
    });
    // The stage and the unchanged marker prove npm did not run; the time only that nothing
    // slow did either.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(again).toEqual({ ...prepared, cached: true });
    expect(progress.map((p) => p.stage)).toEqual(["cached"]);
    expect(readFileSync(path.join(prepared.dir!, "ready"), "utf8")).toBe(marker);
  });

  test("a sandbox requires express from the mount and cannot write to it", async () => {
    const workspace = freshDir("workspace");
    await seedWorkspace({ workspace, prepared });
    const script = [
      "console.log(typeof require('express'), require.resolve('express'));",
      "try { require('fs').writeFileSync('/workspace/node_modules/planted', 'x'); console.log('wrote'); }",
      "catch (error) { console.log(error.code); }",
    ].join("\n");
    const result = await runNode(workspace, prepared, script);
    expect(result.stdout).toBe("function /workspace/node_modules/express/index.js\nEROFS\n");
    expect(existsSync(path.join(prepared.nodeModules!, "planted"))).toBe(false);
    expect(readdirSync(path.join(workspace, "node_modules"))).toEqual([]);
  });

  test("a workspace given its own copy can change it, and the cache stays as it was", async () => {
    const workspace = freshDir("own");
    await copyTemplateDependencies({ workspace, prepared });
    expect(await templateBinds(prepared, { workspace })).toEqual([]);
    const script = [
      "require('fs').writeFileSync('/workspace/node_modules/planted', 'x');",
      "console.log(typeof require('express'));",
    ].join("\n");
    const result = await runNode(workspace, prepared, script);
    expect(result.stdout).toBe("function\n");
    expect(existsSync(path.join(workspace, "node_modules/planted"))).toBe(true);
    expect(existsSync(path.join(prepared.nodeModules!, "planted"))).toBe(false);
  });

  test("a failed install reports it and leaves no entry, staging or lock behind", {
    timeout: 180_000,
  }, async () => {
    const missing = `kiln-no-such-package-${randomBytes(8).toString("hex")}`;
    const broken: Template = { ...nodeServer, name: "Broken", libraries: [missing] };
    const files = [
      { path: "package.json", content: JSON.stringify({ dependencies: { [missing]: "1.0.0" } }) },
    ];
    const progress: TemplateProgress[] = [];
    const before = readdirSync(cacheDir);
    // What a process that died while installing leaves: a stale lock and a half staging.
    const name = templateVersion({
      template: broken,
      files,
      nodeMajor: sandboxNodeRuntime().nodeMajor,
    });
    const lock = path.join(cacheDir, `${name}.lock`);
    mkdirSync(lock);
    utimesSync(lock, new Date(0), new Date(0));
    mkdirSync(path.join(cacheDir, `.staging-${name}-dead`));
    const error = await prepareTemplate({
      template: broken,
      files,
      cacheDir,
      bwrap,
      onProgress: (p) => progress.push(p),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(KilnError);
    expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE", reason: "template_failed" });
    expect(error.message).toContain("E404");
    expect(progress.at(-1)?.stage).toBe("failed");
    expect(readdirSync(cacheDir)).toEqual(before);
  });
});
