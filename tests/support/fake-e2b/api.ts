import { FakeSandbox, type TemplateServer } from "./sandbox";

// E2B's control API as the SDK calls it (api.<domain>, or E2B_API_URL): create, connect, get,
// list, set a sandbox's timeout and kill it, each behind the X-API-KEY header. Errors are
// E2B's JSON, { code, message }; the SDK turns 401 into AuthenticationError, 404 into
// SandboxNotFoundError (or `false` from kill) and others into SandboxError "<code>: <message>".

/** Recent enough that the SDK uses every call the fake serves (closeStdin, octet-stream). */
export const envdVersion = "0.5.7";

export interface ApiState {
  apiKey: string;
  sandboxes: Map<string, FakeSandbox>;
  templateServers: Record<string, TemplateServer[]>;
  /** Answers for the next API calls, whatever they ask. */
  failures: { status: number; message: string }[];
}

function error(status: number, message: string): Response {
  return Response.json({ code: status, message }, { status });
}

function created(sandbox: FakeSandbox, status = 201): Response {
  return Response.json(
    {
      sandboxID: sandbox.id,
      templateID: sandbox.template,
      clientID: "fake",
      envdVersion,
      envdAccessToken: sandbox.envdAccessToken,
    },
    { status },
  );
}

function described(sandbox: FakeSandbox) {
  const startedAt = new Date();
  return {
    sandboxID: sandbox.id,
    templateID: sandbox.template,
    clientID: "fake",
    metadata: sandbox.metadata,
    startedAt: startedAt.toISOString(),
    endAt: new Date(startedAt.getTime() + sandbox.timeoutMs).toISOString(),
    state: "running",
    cpuCount: 2,
    memoryMB: 512,
    envdVersion,
  };
}

export async function api(state: ApiState, request: Request): Promise<Response> {
  // The message repeats the key it refused, the worst case, so tests show Kiln does not pass it on.
  if (request.headers.get("x-api-key") !== state.apiKey) {
    return error(401, `Invalid API key: ${request.headers.get("x-api-key")}`);
  }
  const failure = state.failures.shift();
  if (failure) return error(failure.status, failure.message);
  const { pathname } = new URL(request.url);
  const route = `${request.method} ${pathname.replace(/^\/v2/, "")}`;
  const [, , id] = pathname.replace(/^\/v2/, "").split("/");
  const running = id ? state.sandboxes.get(id) : undefined;
  const sandbox = running && !running.isKilled ? running : undefined;
  const body = ["POST", "PUT"].includes(request.method)
    ? ((await request.json().catch(() => ({}))) as Record<string, unknown>)
    : {};
  if (route === "POST /sandboxes") {
    const template = String(body.templateID);
    const timeoutSeconds = typeof body.timeout === "number" ? body.timeout : 300;
    const servers = state.templateServers[template] ?? [];
    const fresh = new FakeSandbox(
      template,
      (body.metadata as Record<string, string> | undefined) ?? {},
      timeoutSeconds * 1000,
      servers,
    );
    state.sandboxes.set(fresh.id, fresh);
    await fresh.ready(servers);
    return created(fresh);
  }
  if (route === "GET /sandboxes") {
    const all = [...state.sandboxes.values()].filter((s) => !s.isKilled);
    return Response.json(all.map(described));
  }
  if (!sandbox) return error(404, `sandbox "${id}" not found`);
  if (route === `POST /sandboxes/${id}/connect`) {
    if (typeof body.timeout === "number") sandbox.setTimeout(body.timeout * 1000);
    return created(sandbox, 200);
  }
  if (route === `GET /sandboxes/${id}`) return Response.json(described(sandbox));
  if (route === `POST /sandboxes/${id}/timeout`) {
    sandbox.setTimeout(Number(body.timeout) * 1000);
    return new Response(null, { status: 204 });
  }
  if (route === `DELETE /sandboxes/${id}`) {
    sandbox.kill();
    return new Response(null, { status: 204 });
  }
  return error(404, `no route ${request.method} ${pathname}`);
}
