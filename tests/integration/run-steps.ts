import { expect } from "vitest";
import { TestClient } from "../support/client";
import type { KilnServer } from "../support/kiln-server";

// The steps the build-run suites share, through the real /api/v1 endpoints of a Kiln started by
// startBuildServers (build-servers.ts): a signed-up client, a call answering status and body,
// and a project whose spec the fake model wrote and the user approved.

type Json = Record<string, unknown>;
export interface Envelope<T> {
  success: boolean;
  data: T;
  pagination?: { page: number; pageSize: number; total: number; totalPages: number };
  error: { code: string; message: string; details: Json };
}

/** `kiln` is read when a step runs, so that it can be started in beforeAll. */
export function runSteps(kiln: () => KilnServer) {
  const signedUp = async () => {
    const client = new TestClient(kiln().url);
    await client.signUp();
    return client;
  };
  const call = async <T = Json>(
    client: TestClient,
    method: string,
    target: string,
    json?: unknown,
  ) => {
    const response = await client.fetch(target, { method, json });
    return { status: response.status, body: (await response.json()) as Envelope<T> };
  };
  /** A project whose spec is approved, through the real endpoints (the fake writes the spec). */
  async function approvedProject(client: TestClient, name: string): Promise<string> {
    const created = await call<{ id: string }>(client, "POST", "/api/v1/projects", {
      name,
      description: "A kanban board",
    });
    const id = created.body.data.id;
    expect((await call(client, "POST", `/api/v1/projects/${id}/clarify`)).status).toBe(200);
    expect(
      (await call(client, "POST", `/api/v1/projects/${id}/answers`, { answers: [] })).status,
    ).toBe(200);
    expect((await call(client, "POST", `/api/v1/projects/${id}/approve`)).status).toBe(200);
    return id;
  }
  return { signedUp, call, approvedProject };
}
