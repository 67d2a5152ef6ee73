import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestClient } from "../support/client";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai";
import { exampleQuestions } from "../support/fake-spec-replies";
import { type KilnServer, startKiln } from "../support/kiln-server";
import { suiteEnv } from "./global-setup";

// Clarify, answers, approve, regenerate and the spec's versions, against a fake model server
// that speaks OpenAI's protocol: the seed's shapes, the state machine, the checks on what the
// model writes (with their retries and the final 502), and tenancy; on both databases.

// Three questions, one of each type, as a model following the clarify schema writes them.
const questions = exampleQuestions;

const draft = (title: string, extra: { requirement?: string } = {}) => ({
  title,
  summary: "Teams keep their work on boards of cards.",
  requirements: [
    {
      id: "FR-1",
      title: "Sign in",
      description: "People sign in with email and password.",
      priority: "must",
    },
    {
      id: "FR-2",
      title: "Boards",
      description: extra.requirement ?? "A user creates boards with cards.",
      priority: "must",
    },
  ],
  acceptance: [
    {
      id: "AC-1",
      requirement: "FR-1",
      given: "an account",
      when: "the right password is given",
      expected: "the user is signed in",
    },
    {
      id: "AC-2",
      requirement: "FR-2",
      given: "a signed-in user",
      when: "they add a board",
      expected: "the board is listed",
    },
  ],
  routes: [
    {
      method: "POST",
      path: "/api/boards",
      description: "Create a board",
      requirements: ["FR-2"],
      entities: ["Board"],
    },
    {
      method: "PAGE",
      path: "/boards",
      description: "The boards page",
      requirements: ["FR-2"],
      entities: ["Board"],
    },
  ],
  entities: [
    {
      name: "Board",
      description: "A board of cards",
      fields: [
        { name: "id", type: "uuid", required: true, description: "" },
        { name: "title", type: "text", required: true, description: "Shown | escaped" },
      ],
    },
  ],
  assumptions: ["One workspace per user."],
});

type Json = Record<string, unknown>;
interface Envelope<T> {
  success: boolean;
  data: T;
  error: { code: string; message: string; details: Json };
}

const backends = [
  { name: "pglite", databaseUrl: undefined as string | undefined },
  ...(process.env.TEST_DATABASE_URL
    ? [{ name: "postgres", databaseUrl: process.env.TEST_DATABASE_URL }]
    : []),
];

describe.each(backends)("specs on $name", ({ databaseUrl }) => {
  let fake: FakeOpenAI;
  let kiln: KilnServer;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ models: ["spec-model"] });
    kiln = await startKiln({
      env: { ...suiteEnv, OPENAI_BASE_URL: fake.url, DATABASE_URL: databaseUrl },
    });
  });
  afterAll(async () => {
    await kiln?.stop();
    await fake?.close();
  });

  /** Requests whose prompt names this project (each test uses its own name). */
  const mine = (marker: string) => (r: { prompt: string }) => r.prompt.includes(marker);

  async function project(client: TestClient, name: string, description = "A kanban board") {
    const response = await client.fetch("/api/v1/projects", {
      method: "POST",
      json: { name, description },
    });
    return ((await response.json()) as Envelope<{ id: string }>).data.id;
  }
  const post = async <T = Json>(client: TestClient, path: string, json: unknown = {}) => {
    const response = await client.fetch(path, { method: "POST", json });
    return { status: response.status, body: (await response.json()) as Envelope<T> };
  };
  const signedUp = async () => {
    const client = new TestClient(kiln.url);
    await client.signUp();
    return client;
  };

  test("the whole path: clarify, answer (one assumed), approve, regenerate, versions and diff", async () => {
    const client = await signedUp();
    const id = await project(client, "Path Board");
    fake.script(
      { when: mine("Path Board"), json: questions },
      { when: mine("Path Board"), json: draft("Path Board") },
      {
        when: mine("Path Board"),
        json: draft("Path Board", { requirement: "Boards, with colours." }),
      },
    );

    const asked = await post<{ questions: Json[] }>(client, `/api/v1/projects/${id}/clarify`);
    expect(asked.status).toBe(200);
    expect(asked.body.data.questions).toEqual([
      { id: "q1", ...questions.questions[0] },
      {
        id: "q2",
        question: "Do boards update live for everyone?",
        type: "boolean",
        recommended: false,
        why: "Live updates need a realtime channel.",
      },
      {
        id: "q3",
        question: "What is a card's largest attachment?",
        type: "text",
        recommended: "10 MB",
        why: "Sets the upload limit and storage.",
      },
    ]);
    // Asked once: the same questions again, without a model call.
    const calls = fake.requests.filter(mine("Path Board")).length;
    const again = await post<{ questions: Json[] }>(client, `/api/v1/projects/${id}/clarify`);
    expect(again.body.data.questions).toEqual(asked.body.data.questions);
    expect(fake.requests.filter(mine("Path Board"))).toHaveLength(calls);

    const answered = await post<{
      status: string;
      spec: { version: number; documents: Record<string, string> };
    }>(client, `/api/v1/projects/${id}/answers`, {
      answers: [
        { questionId: "q1", answer: "Google" },
        { questionId: "q2", answer: true },
      ],
    });
    expect(answered.status).toBe(200);
    expect(answered.body.data.status).toBe("spec_review");
    const spec = answered.body.data.spec;
    expect(spec.version).toBe(1);
    expect(Object.keys(spec.documents).sort()).toEqual([
      "ACCEPTANCE.md",
      "DATA.md",
      "ROUTES.md",
      "SPEC.md",
    ]);
    expect(spec.documents["SPEC.md"]).toContain("### FR-1: Sign in");
    expect(spec.documents["SPEC.md"]).toContain("| q1: How do people sign in? | Google |");
    expect(spec.documents["SPEC.md"]).toContain("| 10 MB (assumed: the recommended answer) |");
    expect(spec.documents["ACCEPTANCE.md"]).toContain("## AC-2 (proves FR-2)");
    expect(spec.documents["ROUTES.md"]).toContain(
      "| POST | `/api/boards` | Create a board | FR-2 | Board |",
    );
    expect(spec.documents["DATA.md"]).toContain("| title | text | yes | Shown \\| escaped |");
    // The model was told what was answered and what was assumed.
    const specCall = fake.requests.filter(mine("Path Board")).at(-1);
    expect(specCall?.prompt).toContain("Answer: Google");
    expect(specCall?.prompt).toContain(
      "Answer: 10 MB (not answered: the recommended answer is assumed)",
    );

    const approved = await post<{ status: string; spec: { version: number; approvedAt: string } }>(
      client,
      `/api/v1/projects/${id}/approve`,
    );
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({ status: "approved", spec: { version: 1 } });
    const detail = (await (await client.fetch(`/api/v1/projects/${id}`)).json()) as Envelope<Json>;
    expect(detail.data).toMatchObject({
      status: "approved",
      spec: { version: 1, approvedAt: approved.body.data.spec.approvedAt },
    });

    const regenerated = await post<{ status: string; spec: { version: number } }>(
      client,
      `/api/v1/projects/${id}/regenerate`,
      { feedback: "Boards need colours" },
    );
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.data).toMatchObject({
      status: "spec_review",
      spec: { version: 2, approvedAt: null },
    });
    expect(fake.requests.filter(mine("Path Board")).at(-1)?.prompt).toContain(
      "Boards need colours",
    );

    const versions = (await (
      await client.fetch(`/api/v1/projects/${id}/spec/versions`)
    ).json()) as Envelope<Json[]>;
    expect(versions.data.map((v) => [v.version, v.feedback, v.approvedAt !== null])).toEqual([
      [2, "Boards need colours", false],
      [1, null, true],
    ]);
    const v1 = (await (
      await client.fetch(`/api/v1/projects/${id}/spec/versions/1`)
    ).json()) as Envelope<Json>;
    expect(v1.data.documents).toEqual(spec.documents);
    expect(v1.data.clarifications).toContainEqual({
      questionId: "q3",
      question: "What is a card's largest attachment?",
      answer: "10 MB",
      assumed: true,
    });
    const diff = (await (
      await client.fetch(`/api/v1/projects/${id}/spec/diff?from=1&to=2`)
    ).json()) as Envelope<{
      documents: { name: string; changed: boolean; diff: string }[];
    }>;
    const specDiff = diff.data.documents.find((d) => d.name === "SPEC.md");
    expect(specDiff?.changed).toBe(true);
    expect(specDiff?.diff).toContain("-A user creates boards with cards.\n+Boards, with colours.");
    expect(diff.data.documents.find((d) => d.name === "DATA.md")?.changed).toBe(false);
    expect((await client.fetch(`/api/v1/projects/${id}/spec/versions/3`)).status).toBe(404);

    // Every call was recorded with its purpose.
    const usage = (await (await client.fetch("/api/usage")).json()) as { byModel?: Json[] } & Json;
    expect(JSON.stringify(usage)).toContain("clarify");
    expect(JSON.stringify(usage)).toContain("spec_regenerate");
  });

  test("each step outside its state is a 409 naming the status, before any model call", async () => {
    const client = await signedUp();
    const id = await project(client, "Early Board");
    for (const [step, body] of [
      ["answers", { answers: [] }],
      ["approve", {}],
      ["regenerate", {}],
    ] as const) {
      const refused = await post(client, `/api/v1/projects/${id}/${step}`, body);
      expect(refused.status, step).toBe(409);
      expect(refused.body.error.code).toBe("CONFLICT");
      expect(refused.body.error.message).toContain('in status "draft"');
    }
    expect(fake.requests.filter(mine("Early Board"))).toHaveLength(0);
    await client.fetch(`/api/v1/projects/${id}`, { method: "DELETE" });
    const archived = await post(client, `/api/v1/projects/${id}/clarify`);
    expect(archived.status).toBe(409);
    expect(archived.body.error.message).toContain('in status "archived"');
  });

  test("answers are checked against the questions: each problem named, nothing stored", async () => {
    const client = await signedUp();
    const id = await project(client, "Checked Board");
    fake.script({ when: mine("Checked Board"), json: questions });
    await post(client, `/api/v1/projects/${id}/clarify`);
    const calls = fake.requests.filter(mine("Checked Board")).length;
    const bad = await post(client, `/api/v1/projects/${id}/answers`, {
      answers: [
        { questionId: "q9", answer: "x" },
        { questionId: "q1", answer: "Carrier pigeon" },
        { questionId: "q2", answer: "yes" },
        { questionId: "q3", answer: false },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_ERROR");
    for (const expected of [
      "q9: there is no such question (asked: q1, q2, q3)",
      'q1: "Carrier pigeon" is not one of the options (Email and password, Google, Magic link)',
      "q2: must be answered true or false",
      "q3: must be answered with text",
    ]) {
      expect(bad.body.error.message).toContain(expected);
    }
    expect(fake.requests.filter(mine("Checked Board"))).toHaveLength(calls);
    const detail = (await (await client.fetch(`/api/v1/projects/${id}`)).json()) as Envelope<Json>;
    expect(detail.data).toMatchObject({ status: "clarifying", spec: null });
  });

  test("a spec that breaks the rules goes back with its problems; a good second answer is stored", async () => {
    const client = await signedUp();
    const id = await project(client, "Retry Board");
    const broken = draft("Retry Board");
    broken.acceptance[1] = { ...broken.acceptance[1]!, requirement: "FR-7" };
    fake.script(
      { when: mine("Retry Board"), json: { questions: [] } },
      { when: mine("Retry Board"), json: broken },
      { when: mine("Retry Board"), json: draft("Retry Board") },
    );
    const asked = await post<{ questions: Json[] }>(client, `/api/v1/projects/${id}/clarify`);
    expect(asked.body.data.questions).toEqual([]);
    const answered = await post<{ spec: { version: number; documents: Record<string, string> } }>(
      client,
      `/api/v1/projects/${id}/answers`,
      { answers: [] },
    );
    expect(answered.status).toBe(200);
    expect(answered.body.data.spec.documents["SPEC.md"]).toContain("No questions were asked.");
    const retry = fake.requests.filter(mine("Retry Board")).at(-1);
    expect(retry?.prompt).toContain("AC-2 names FR-7, which is not a requirement");
    expect(retry?.prompt).toContain("FR-2 has no acceptance criterion that proves it");
  });

  test("a model that never gets it right: 502 with the reasons, the project unchanged", async () => {
    const client = await signedUp();
    const id = await project(client, "Hopeless Board");
    const broken = {
      ...draft("Hopeless Board"),
      requirements: [{ ...draft("x").requirements[0]!, id: "FR-3" }],
    };
    fake.script(
      { when: mine("Hopeless Board"), json: { questions: [] } },
      { when: mine("Hopeless Board"), json: broken },
      { when: mine("Hopeless Board"), json: broken },
      { when: mine("Hopeless Board"), text: "not json at all" },
    );
    await post(client, `/api/v1/projects/${id}/clarify`);
    const failed = await post(client, `/api/v1/projects/${id}/answers`, { answers: [] });
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe("BAD_GATEWAY");
    expect(failed.body.error.message).toMatch(
      /^The model's answer did not pass Kiln's checks after 3 attempts: /,
    );
    expect(fake.requests.filter(mine("Hopeless Board"))).toHaveLength(4);
    const detail = (await (await client.fetch(`/api/v1/projects/${id}`)).json()) as Envelope<Json>;
    expect(detail.data).toMatchObject({ status: "clarifying", spec: null });
  });

  test("invalid questions are asked for again; refresh=true asks anew", async () => {
    const client = await signedUp();
    const id = await project(client, "Question Board");
    const bad = { questions: [{ ...questions.questions[0]!, recommended: "Fax" }] };
    const fresh = { questions: [questions.questions[1]] };
    fake.script(
      { when: mine("Question Board"), json: bad },
      { when: mine("Question Board"), json: questions },
      { when: mine("Question Board"), json: fresh },
    );
    const first = await post<{ questions: Json[] }>(client, `/api/v1/projects/${id}/clarify`);
    expect(first.body.data.questions).toHaveLength(3);
    expect(fake.requests.filter(mine("Question Board")).at(-1)?.prompt).toContain(
      "q1: the recommended answer must be one of its options",
    );
    const refreshed = await post<{ questions: Json[] }>(
      client,
      `/api/v1/projects/${id}/clarify?refresh=true`,
    );
    expect(refreshed.body.data.questions).toEqual([
      expect.objectContaining({ id: "q1", type: "boolean" }),
    ]);
  });

  test("with Accept: text/event-stream a step streams its progress, each document, then the result", async () => {
    const client = await signedUp();
    const id = await project(client, "Stream Board");
    const broken = draft("Stream Board");
    broken.requirements[1] = { ...broken.requirements[1]!, id: "FR-9" };
    fake.script(
      { when: mine("Stream Board"), json: questions },
      { when: mine("Stream Board"), json: broken },
      { when: mine("Stream Board"), json: draft("Stream Board") },
    );
    await post(client, `/api/v1/projects/${id}/clarify`);
    const streamed = async (path: string, json: unknown) => {
      const response = await client.fetch(path, {
        method: "POST",
        json,
        headers: { accept: "text/event-stream" },
      });
      expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      return (await response.text())
        .split("\n\n")
        .filter((frame) => frame.startsWith("event: "))
        .map((frame) => {
          const [event, data] = frame.split("\n");
          return { event: event!.slice(7), data: JSON.parse(data!.slice(6)) as Json };
        });
    };
    const events = await streamed(`/api/v1/projects/${id}/answers`, { answers: [] });
    expect(events.map((e) => `${e.event}:${e.data.step ?? e.data.name ?? ""}`)).toEqual([
      "progress:asking",
      "progress:rejected",
      "progress:asking",
      "document:SPEC.md",
      "document:ACCEPTANCE.md",
      "document:ROUTES.md",
      "document:DATA.md",
      "result:",
    ]);
    expect(events[0]?.data).toEqual({ step: "asking", purpose: "spec", attempt: 1, attempts: 3 });
    expect(events[1]?.data.problems).toContain(
      "requirements must be numbered FR-1, FR-2, ... in order; #2 is FR-9",
    );
    const result = events.at(-1)!.data as {
      status: string;
      spec: { version: number; documents: Json };
    };
    expect(result).toMatchObject({ status: "spec_review", spec: { version: 1 } });
    expect(result.spec.documents["SPEC.md"]).toBe(events[3]?.data.content);

    // A refusal is an error event in /api/v1's envelope, with the status it would have had.
    const refused = await streamed(`/api/v1/projects/${id}/answers`, { answers: [] });
    expect(refused).toEqual([
      {
        event: "error",
        data: {
          success: false,
          error: {
            code: "CONFLICT",
            message: expect.stringContaining('in status "spec_review"'),
            details: expect.any(Object),
          },
          status: 409,
        },
      },
    ]);
  });

  test("another user's project is 404 on every spec endpoint, with no model call", async () => {
    const alice = await signedUp();
    const id = await project(alice, "Private Board");
    const bob = await signedUp();
    for (const [method, path] of [
      ["POST", "clarify"],
      ["POST", "answers"],
      ["POST", "approve"],
      ["POST", "regenerate"],
      ["GET", "spec/versions"],
      ["GET", "spec/versions/1"],
      ["GET", "spec/diff?from=1&to=2"],
    ] as const) {
      const response = await bob.fetch(`/api/v1/projects/${id}/${path}`, {
        method,
        ...(method === "POST" ? { json: path === "answers" ? { answers: [] } : {} } : {}),
      });
      expect(response.status, path).toBe(404);
    }
    expect(fake.requests.filter(mine("Private Board"))).toHaveLength(0);
  });
});
