import { afterEach, expect } from "vitest";
import { KilnError } from "@/lib/errors";
import { createE2bProvider } from "@/lib/sandbox/e2b/e2b-provider";
import type { SandboxHandle } from "@/lib/sandbox/provider";
import type { TemplateId } from "@/lib/templates/templates";
import { FakeE2b, type FakeE2bOptions } from "../fake-e2b";

// Kiln's E2B provider on the real SDK, pointed at a fake E2B started for the test and closed
// after it, for the provider's tests.

const fakes: FakeE2b[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

type SetupOptions = {
  /** The key Kiln uses, when not the one the fake accepts. */
  kilnApiKey?: string;
  serverReadyTimeoutMs?: number;
} & FakeE2bOptions;

export async function setup(options: SetupOptions = {}) {
  const { kilnApiKey, serverReadyTimeoutMs, ...fakeOptions } = options;
  const fake = await FakeE2b.start(fakeOptions);
  fakes.push(fake);
  const provider = createE2bProvider({
    ...fake.connection,
    apiKey: kilnApiKey ?? fake.apiKey,
    fetch: fake.fetch,
    serverPollMs: 2,
    serverReadyTimeoutMs: serverReadyTimeoutMs ?? 10_000,
  });
  return { fake, provider };
}

export async function started(
  template: TemplateId = "code-interpreter-v1",
  options: SetupOptions = {},
) {
  const { fake, provider } = await setup(options);
  const sandbox = await provider.create({
    sbxId: "sbx_abc123",
    template,
    lifetimeMs: 600_000,
    metadata: { userId: "usr_1" },
  });
  return { fake, provider, sandbox, state: fake.sandbox(sandbox.externalId) };
}

/** The KilnError a promise rejects with. */
export async function kilnError(promise: Promise<unknown>): Promise<KilnError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KilnError);
  return error as KilnError;
}

export async function run(
  sandbox: SandboxHandle,
  command: string,
  workingDirectory = "/workspace",
) {
  return sandbox.runCommand({ command, workingDirectory, timeoutMs: 10_000 });
}
