import "server-only";
import { NotFoundError } from "@e2b/code-interpreter";
import type { SandboxHandle, SandboxProvider } from "@/lib/sandbox/provider";
import type { TemplateId } from "@/lib/templates/templates";
import { runCode } from "./e2b-code";
import { runCommand } from "./e2b-commands";
import { listFiles, readFile, writeFiles } from "./e2b-files";
import { type E2bConnection, type E2bSandbox, e2bSdk, kilnError } from "./e2b-sdk";
import { type E2bServerContext, startServer } from "./e2b-server";

// Sandboxes on E2B through @e2b/code-interpreter: creating, connecting to and destroying them,
// and assembling the handle from the e2b-* modules (code, commands, files, server), each of
// which maps the SDK's errors to KilnError through e2b-sdk.ts.

/**
 * E2B's public templates under Kiln's ids. Static HTML and Node servers have none of their own:
 * they run on "base", and startServer starts their run command.
 */
export const e2bTemplates: Readonly<Record<TemplateId, string>> = {
  "code-interpreter-v1": "code-interpreter-v1",
  "nextjs-developer": "nextjs-developer",
  "vue-developer": "vue-developer",
  "streamlit-developer": "streamlit-developer",
  "gradio-developer": "gradio-developer",
  "static-html": "base",
  "node-server": "base",
};

export interface CreateE2bProviderOptions extends E2bConnection {
  /** Used to ask whether a started server answers; E2B's proxy says 502 until it listens. */
  fetch?: typeof fetch;
  serverReadyTimeoutMs?: number;
  serverPollMs?: number;
}

export function createE2bProvider(options: CreateE2bProviderOptions): SandboxProvider {
  const { apiKey, domain, apiUrl, sandboxUrl } = options;
  const connection: E2bConnection = {
    apiKey,
    domain,
    ...(apiUrl ? { apiUrl } : {}),
    ...(sandboxUrl ? { sandboxUrl } : {}),
  };
  const context: E2bServerContext = {
    apiKey,
    fetch: options.fetch ?? fetch,
    serverReadyTimeoutMs: options.serverReadyTimeoutMs ?? 120_000,
    serverPollMs: options.serverPollMs ?? 500,
  };
  return {
    name: "e2b",
    async create({ sbxId, template, lifetimeMs, metadata }) {
      // Metadata is readable by anyone holding the key's team; it must never carry the key.
      const safe = Object.entries(metadata).filter(
        ([key, value]) => !apiKey || (!key.includes(apiKey) && !value.includes(apiKey)),
      );
      try {
        const sandbox = await e2bSdk.create(e2bTemplates[template], {
          ...connection,
          metadata: {
            ...Object.fromEntries(safe),
            kilnSandboxId: sbxId,
            kilnTemplate: template,
          },
          timeoutMs: lifetimeMs,
        });
        return e2bHandle(sandbox, context);
      } catch (error) {
        throw await kilnError(error, context);
      }
    },
    async connect(_sandboxId, externalId) {
      try {
        return e2bHandle(await e2bSdk.connect(externalId, connection), context);
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw await kilnError(error, context);
      }
    },
    async destroy(_sandboxId, externalId) {
      try {
        await e2bSdk.kill(externalId, connection); // false when it is already gone: that is fine
      } catch (error) {
        throw await kilnError(error, context);
      }
    },
  };
}

// A plain object of closures: serializing or inspecting a handle shows no SDK internals.
function e2bHandle(sandbox: E2bSandbox, context: E2bServerContext): SandboxHandle {
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw await kilnError(error, context, sandbox);
    }
  };
  return {
    provider: "e2b",
    externalId: sandbox.sandboxId,
    runCode: (code, options) => runCode(sandbox, context, code, options),
    runCommand: (options) => runCommand(sandbox, context, options),
    writeFiles: (files) => guard(() => writeFiles(sandbox, files)),
    readFile: (file) => guard(() => readFile(sandbox, file)),
    listFiles: (directory) => guard(() => listFiles(sandbox, directory)),
    startServer: (options) => startServer(sandbox, context, options),
    previewUrl: (port) => `https://${sandbox.getHost(port)}`,
    setTimeout: (lifetimeMs) => guard(() => sandbox.setTimeout(lifetimeMs)),
    kill: () => guard(async () => void (await sandbox.kill())),
  };
}
