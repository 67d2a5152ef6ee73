import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

// A local stand-in for Supabase Auth (GoTrue) under /auth/v1, speaking its wire protocol as
// @supabase/supabase-js uses it: /signup, /token?grant_type=password|refresh_token|pkce, /user,
// /logout, /settings, /authorize (sign-in with GitHub: the fake plays GitHub's consent screen
// for the account a test names, and hands out that account's GitHub token as the session's
// provider_token, as Supabase does after the code exchange) and /.well-known/jwks.json, with ES256 access tokens (or HS256 for projects on the
// legacy shared secret), the `apikey` header check the gateway does, and errors in both the
// legacy and the 2024-01-01 API versions' shapes.

export interface FakeSupabaseAuth {
  url: string;
  anonKey: string;
  /** Requests received, as "METHOD /path". */
  requests: string[];
  /** Change behaviour mid-test. */
  options: FakeSupabaseOptions;
  /**
   * Confirms an address the way the link in Supabase's email does: returns where the link
   * sends the browser (the sign-up's redirect URL with ?code=…).
   */
  confirm(email: string): string;
  /** A signed access token for any claims: a genuine key, or a stranger's for forgeries. */
  mintToken(claims: Record<string, unknown>, key?: "genuine" | "stranger"): Promise<string>;
  close(): Promise<void>;
}

export interface FakeSupabaseOptions {
  /** Sign-ups wait for email confirmation (no session until confirmed). */
  confirmEmail: boolean;
  /** Sign with a shared HS256 secret and no kid, like projects on legacy JWT secrets. */
  symmetric: boolean;
  accessTokenSeconds: number;
  /** Answer every request with 503, as an outage would. */
  down: boolean;
  /**
   * The GitHub account that consents when a browser signs in with GitHub; unset, the GitHub
   * provider is off (/settings says so, /authorize refuses it).
   */
  github?: { login: string; email: string; token: string };
}

interface FakeUser {
  id: string;
  email: string;
  password: string;
  confirmed: boolean;
  createdAt: string;
  /** PKCE: the challenge and redirect URL the sign-up sent. */
  codeChallenge?: string;
  redirectTo?: string;
  /** Signed up (or last signed in) through GitHub. */
  github?: { login: string };
}

/** What a code handed to the browser stands for. */
interface AuthCode {
  user: FakeUser;
  challenge: string | undefined;
  /** The GitHub token of a sign-in with GitHub, returned once with the session. */
  providerToken?: string;
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function startFakeSupabaseAuth(
  initial: Partial<FakeSupabaseOptions> = {},
): Promise<FakeSupabaseAuth> {
  const options: FakeSupabaseOptions = {
    confirmEmail: false,
    symmetric: false,
    accessTokenSeconds: 3600,
    down: false,
    ...initial,
  };
  const anonKey = `fake-anon-${randomBytes(8).toString("hex")}`;
  const genuine = await generateKeyPair("ES256", { extractable: true });
  const stranger = await generateKeyPair("ES256", { extractable: true });
  const hsSecret = new TextEncoder().encode(randomBytes(32).toString("hex"));
  const kid = randomUUID();
  const publicJwk: JWK = { ...(await exportJWK(genuine.publicKey)), kid, alg: "ES256", use: "sig" };
  const users = new Map<string, FakeUser>(); // by email
  const refreshTokens = new Map<string, { userId: string; sessionId: string }>();
  const revokedSessions = new Set<string>();
  const authCodes = new Map<string, AuthCode>();
  const requests: string[] = [];
  let url = "";

  const userJson = (user: FakeUser) => ({
    id: user.id,
    aud: "authenticated",
    role: "authenticated",
    email: user.email,
    email_confirmed_at: user.confirmed ? user.createdAt : null,
    app_metadata: user.github
      ? { provider: "github", providers: ["email", "github"] }
      : { provider: "email", providers: ["email"] },
    user_metadata: user.github
      ? { user_name: user.github.login, preferred_username: user.github.login }
      : {},
    identities: [],
    created_at: user.createdAt,
    updated_at: user.createdAt,
  });

  async function sign(claims: Record<string, unknown>, key: "genuine" | "stranger" = "genuine") {
    const now = Math.floor(Date.now() / 1000);
    // Claims given win over the defaults, so tests can mint expired or misaddressed tokens.
    const jwt = new SignJWT({
      aud: "authenticated",
      role: "authenticated",
      iss: `${url}/auth/v1`,
      iat: now,
      exp: now + options.accessTokenSeconds,
      ...claims,
    });
    if (options.symmetric && key === "genuine")
      return jwt.setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(hsSecret);
    const privateKey = key === "genuine" ? genuine.privateKey : stranger.privateKey;
    return jwt.setProtectedHeader({ alg: "ES256", kid, typ: "JWT" }).sign(privateKey);
  }

  async function session(user: FakeUser, sessionId: string = randomUUID(), providerToken?: string) {
    const refreshToken = randomBytes(12).toString("hex");
    refreshTokens.set(refreshToken, { userId: user.id, sessionId });
    return {
      access_token: await sign({ sub: user.id, email: user.email, session_id: sessionId }),
      token_type: "bearer",
      expires_in: options.accessTokenSeconds,
      expires_at: Math.floor(Date.now() / 1000) + options.accessTokenSeconds,
      refresh_token: refreshToken,
      user: userJson(user),
      ...(providerToken ? { provider_token: providerToken, provider_refresh_token: null } : {}),
    };
  }

  async function userFromToken(request: IncomingMessage): Promise<FakeUser | undefined> {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (!token) return undefined;
    const { jwtVerify } = await import("jose");
    try {
      const { payload } = options.symmetric
        ? await jwtVerify(token, hsSecret)
        : await jwtVerify(token, genuine.publicKey);
      if (revokedSessions.has(String(payload.session_id))) return undefined;
      return [...users.values()].find((u) => u.id === payload.sub);
    } catch {
      return undefined;
    }
  }

  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? "/", "http://fake").pathname;
    const query = new URL(request.url ?? "/", "http://fake").searchParams;
    requests.push(`${request.method} ${path}`);
    const versioned = Boolean(request.headers["x-supabase-api-version"]);
    const send = (status: number, body?: unknown) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (versioned) headers["x-supabase-api-version"] = "2024-01-01";
      response.writeHead(status, headers);
      response.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const fail = (status: number, code: string, message: string) =>
      versioned
        ? send(status, { code, message })
        : send(status, { code: status, error_code: code, msg: message });

    if (options.down) return send(503, { message: "upstream unavailable" });
    // The key set is public; everything else needs the project's key, as Supabase's gateway asks.
    // A browser navigates to /authorize: the gateway lets it through without the key.
    const isOpen = path === "/auth/v1/.well-known/jwks.json" || path === "/auth/v1/authorize";
    if (!isOpen && request.headers.apikey !== anonKey)
      return send(401, {
        message: "Invalid API key",
        hint: "Double check your Supabase `anon` key",
      });
    try {
      await route(request, response, path, query, send, fail, versioned);
    } catch (error) {
      send(500, { message: (error as Error).message });
    }
  });

  async function route(
    request: IncomingMessage,
    _response: ServerResponse,
    path: string,
    query: URLSearchParams,
    send: (status: number, body?: unknown) => void,
    fail: (status: number, code: string, message: string) => void,
    versioned: boolean,
  ) {
    if (request.method === "GET" && path === "/auth/v1/.well-known/jwks.json")
      return send(200, { keys: options.symmetric ? [] : [publicJwk] });

    if (request.method === "GET" && path === "/auth/v1/settings") {
      return send(200, {
        external: { email: true, github: Boolean(options.github), google: false },
        disable_signup: false,
        mailer_autoconfirm: !options.confirmEmail,
        phone_autoconfirm: false,
        sms_provider: "",
        saml_enabled: false,
      });
    }

    // Sign-in with GitHub: GitHub's consent is given at once, for the account the test named;
    // the browser goes back to redirect_to with a code, as after GitHub's own round trip.
    if (request.method === "GET" && path === "/auth/v1/authorize") {
      const account = options.github;
      if (query.get("provider") !== "github" || !account) {
        return fail(400, "validation_failed", "Unsupported provider: provider is not enabled");
      }
      const redirectTo = query.get("redirect_to");
      if (!redirectTo) return fail(400, "validation_failed", "redirect_to is required");
      let user = users.get(account.email);
      if (!user) {
        user = {
          id: randomUUID(),
          email: account.email,
          password: randomBytes(16).toString("hex"),
          confirmed: true,
          createdAt: new Date().toISOString(),
        };
        users.set(account.email, user);
      }
      user.github = { login: account.login };
      const code = randomUUID();
      authCodes.set(code, {
        user,
        challenge: query.get("code_challenge") ?? undefined,
        providerToken: account.token,
      });
      const target = new URL(redirectTo);
      target.searchParams.set("code", code);
      _response.writeHead(302, { location: target.toString() });
      _response.end();
      return;
    }

    if (request.method === "POST" && path === "/auth/v1/signup") {
      const body = await readBody(request);
      const email = String(body.email ?? "").toLowerCase();
      const password = String(body.password ?? "");
      if (!email.includes("@"))
        return fail(400, "validation_failed", "Unable to validate email address: invalid format");
      if (password.length < 6)
        return send(422, {
          ...(versioned ? { code: "weak_password" } : { code: 422, error_code: "weak_password" }),
          message: "Password should be at least 6 characters.",
          weak_password: { reasons: ["length"] },
        });
      if (users.has(email)) return fail(422, "user_already_exists", "User already registered");
      const user: FakeUser = {
        id: randomUUID(),
        email,
        password,
        confirmed: !options.confirmEmail,
        createdAt: new Date().toISOString(),
        codeChallenge: typeof body.code_challenge === "string" ? body.code_challenge : undefined,
        redirectTo: query.get("redirect_to") ?? undefined,
      };
      users.set(email, user);
      return send(200, user.confirmed ? await session(user) : userJson(user));
    }

    if (request.method === "POST" && path === "/auth/v1/token") {
      const body = await readBody(request);
      const grant = query.get("grant_type");
      if (grant === "password") {
        const user = users.get(String(body.email ?? "").toLowerCase());
        if (!user || user.password !== body.password)
          return fail(400, "invalid_credentials", "Invalid login credentials");
        if (!user.confirmed) return fail(400, "email_not_confirmed", "Email not confirmed");
        return send(200, await session(user));
      }
      if (grant === "refresh_token") {
        const stored = refreshTokens.get(String(body.refresh_token ?? ""));
        if (!stored || revokedSessions.has(stored.sessionId))
          return fail(
            400,
            "refresh_token_not_found",
            "Invalid Refresh Token: Refresh Token Not Found",
          );
        refreshTokens.delete(String(body.refresh_token));
        const user = [...users.values()].find((u) => u.id === stored.userId);
        if (!user) return fail(400, "user_not_found", "User not found");
        return send(200, await session(user, stored.sessionId));
      }
      if (grant === "pkce") {
        const code = authCodes.get(String(body.auth_code ?? ""));
        const verifier = String(body.code_verifier ?? "");
        const challenge = createHash("sha256").update(verifier).digest("base64url");
        if (!code?.challenge || challenge !== code.challenge)
          return fail(
            400,
            "bad_code_verifier",
            "code challenge does not match previously saved code verifier",
          );
        authCodes.delete(String(body.auth_code));
        return send(200, await session(code.user, undefined, code.providerToken));
      }
      return fail(400, "validation_failed", "unsupported_grant_type");
    }

    if (request.method === "GET" && path === "/auth/v1/user") {
      const user = await userFromToken(request);
      return user ? send(200, userJson(user)) : fail(403, "bad_jwt", "invalid JWT");
    }

    if (request.method === "POST" && path === "/auth/v1/logout") {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1] ?? "";
      const [, payload] = token.split(".");
      const sessionId = payload
        ? JSON.parse(Buffer.from(payload, "base64url").toString("utf8")).session_id
        : undefined;
      if (sessionId) revokedSessions.add(String(sessionId));
      return send(204);
    }

    return fail(404, "not_found", `no route ${request.method} ${path}`);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    anonKey,
    requests,
    options,
    confirm(email) {
      const user = users.get(email.toLowerCase());
      if (!user?.redirectTo) throw new Error(`no pending sign-up with a redirect for ${email}`);
      user.confirmed = true;
      const code = randomUUID();
      authCodes.set(code, { user, challenge: user.codeChallenge });
      const target = new URL(user.redirectTo);
      target.searchParams.set("code", code);
      return target.toString();
    },
    mintToken: (claims, key) => sign(claims, key),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
