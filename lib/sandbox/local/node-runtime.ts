import "server-only";
import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import { sandboxRoot } from "@/lib/sandbox/sandbox-paths";

// The Node.js (and npm) that sandboxes see: the template cache installs with it, and a local
// sandbox's runs and preview servers use it. Apart from the cache because it describes this
// server's runtime, not a template.

export interface NodeRuntime {
  /** Read-only binds that make this Node.js (and npm) visible in a sandbox. */
  binds: { host: string; sandbox: string }[];
  /** Goes before the sandbox's PATH: this node first, then the project's own binaries. */
  pathPrefix: string;
  /** node and npm's CLI script, as the sandbox sees them. */
  node: string;
  npmCli: string | undefined;
  nodeMajor: number;
  /**
   * For runs with network: trust the system's certificate store (shown to such runs), which
   * holds the CA of a TLS-inspecting proxy where there is one; Node.js has its own otherwise.
   */
  networkEnv: Record<string, string>;
}

const runtimeRoot = "/opt/kiln/node";
const systemCertificates = "/etc/ssl/certs/ca-certificates.crt";
// The directories runInSandbox shows every sandbox read-only.
const sandboxVisible = ["/usr/", "/bin/"];
const systemNpm = [
  "/usr/lib/node_modules/npm",
  "/usr/local/lib/node_modules/npm",
  "/usr/share/nodejs/npm",
];

let runtime: NodeRuntime | undefined;

/**
 * Sandboxes run Kiln's own Node.js, the binary running this server: its version is known to
 * satisfy the templates (Nuxt 4 needs 22.19+), and it exists wherever Kiln does. Outside /usr it
 * is bound at /opt/kiln/node, with the npm it ships, if any; else npm is the system's, under /usr.
 */
export function sandboxNodeRuntime(): NodeRuntime {
  if (runtime) return runtime;
  const node = realpathSync(process.execPath);
  const bundledNpm = path.join(path.dirname(path.dirname(node)), "lib", "node_modules", "npm");
  const hasBundledNpm = existsSync(path.join(bundledNpm, "bin", "npm-cli.js"));
  const binds: NodeRuntime["binds"] = [];
  let sandboxNode = node;
  let npm = hasBundledNpm ? bundledNpm : systemNpm.find((dir) => existsSync(dir));
  if (!sandboxVisible.some((dir) => node.startsWith(dir))) {
    sandboxNode = `${runtimeRoot}/bin/node`;
    if (hasBundledNpm) {
      // bin/npm links to ../lib/node_modules/npm, so both keep their places relative to bin.
      binds.push({ host: path.dirname(node), sandbox: `${runtimeRoot}/bin` });
      binds.push({ host: bundledNpm, sandbox: `${runtimeRoot}/lib/node_modules/npm` });
      sandboxNode = `${runtimeRoot}/bin/${path.basename(node)}`;
      npm = `${runtimeRoot}/lib/node_modules/npm`;
    } else {
      // Only the binary: its directory may hold more than Node.js.
      binds.push({ host: node, sandbox: sandboxNode });
    }
  }
  runtime = {
    binds,
    pathPrefix: `${path.posix.dirname(sandboxNode)}:${sandboxRoot}/node_modules/.bin`,
    node: sandboxNode,
    npmCli: npm && path.posix.join(npm, "bin", "npm-cli.js"),
    nodeMajor: Number(process.versions.node.split(".")[0]),
    networkEnv: existsSync(systemCertificates) ? { NODE_EXTRA_CA_CERTS: systemCertificates } : {},
  };
  return runtime;
}
