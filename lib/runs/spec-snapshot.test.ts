import { describe, expect, test } from "vitest";
import { listRunsQuerySchema, startRunBodySchema } from "./schemas";
import { snapshotOf } from "./spec-snapshot";

describe("snapshotOf", () => {
  test("keeps the documents, the FR ids and titles, and each AC as one sentence", () => {
    const snapshot = snapshotOf({
      version: 3,
      documents: { "SPEC.md": "# Board" },
      draft: {
        requirements: [{ id: "FR-1", title: "Sign in" }],
        acceptance: [
          { id: "AC-1", given: "an account", when: "it signs in", expected: "it is in" },
        ],
      },
    });
    expect(snapshot).toEqual({
      version: 3,
      documents: { "SPEC.md": "# Board" },
      requirements: [{ id: "FR-1", title: "Sign in" }],
      acceptance: [{ id: "AC-1", text: "Given an account, when it signs in, then it is in." }],
    });
  });

  test("a draft without requirements or criteria gives empty lists, not a crash", () => {
    const snapshot = snapshotOf({ version: 1, documents: {}, draft: {} });
    expect(snapshot.requirements).toEqual([]);
    expect(snapshot.acceptance).toEqual([]);
  });
});

describe("run request schemas", () => {
  test("a start body defaults its trigger and refuses retry and unknown fields", () => {
    expect(startRunBodySchema.parse({})).toEqual({ trigger: "manual" });
    expect(startRunBodySchema.safeParse({ trigger: "retry" }).success).toBe(false);
    expect(startRunBodySchema.safeParse({ trigger: "api", extra: 1 }).success).toBe(false);
  });

  test("the list query pages from 1 with 20 a page and caps the page size at 100", () => {
    expect(listRunsQuerySchema.parse({})).toEqual({ page: 1, pageSize: 20 });
    expect(listRunsQuerySchema.parse({ page: "2", status: "failed" })).toEqual({
      page: 2,
      pageSize: 20,
      status: "failed",
    });
    expect(listRunsQuerySchema.safeParse({ pageSize: "101" }).success).toBe(false);
    expect(listRunsQuerySchema.safeParse({ status: "sleeping" }).success).toBe(false);
  });
});
