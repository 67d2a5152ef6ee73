import { describe, expect, test } from "vitest";
import { KilnError } from "@/lib/errors";
import {
  canApply,
  invalidTransition,
  type ProjectAction,
  projectActions,
  projectStatuses,
} from "./states";

describe("the project state machine", () => {
  test("the pipeline's path is allowed, step by step", () => {
    const path: [ProjectAction, string][] = [
      ["clarify", "draft"],
      ["clarify", "clarifying"],
      ["answer", "clarifying"],
      ["regenerate", "spec_review"],
      ["approve", "spec_review"],
      ["build", "approved"],
      ["fail", "building"],
      ["build", "failed"],
      ["succeed", "building"],
      ["archive", "built"],
    ];
    for (const [action, status] of path) {
      expect(canApply(action, status as never), `${action} from ${status}`).toBe(true);
    }
  });

  test("nothing leaves archived, and nothing skips the review", () => {
    for (const action of Object.keys(projectActions) as ProjectAction[]) {
      expect(canApply(action, "archived")).toBe(false);
    }
    expect(canApply("approve", "draft")).toBe(false);
    expect(canApply("approve", "clarifying")).toBe(false);
    expect(canApply("build", "spec_review")).toBe(false);
    expect(canApply("answer", "draft")).toBe(false);
    expect(canApply("succeed", "approved")).toBe(false);
  });

  test("every action leads to a known status, and every status but archived can be archived", () => {
    for (const { to } of Object.values(projectActions)) {
      if (to !== undefined) expect(projectStatuses).toContain(to);
    }
    for (const status of projectStatuses) {
      expect(canApply("archive", status)).toBe(status !== "archived");
    }
  });

  test("a refused transition is a 409 CONFLICT naming the current status", () => {
    const error = invalidTransition("approve", "draft");
    expect(error).toBeInstanceOf(KilnError);
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toBe(
      'Cannot approve the spec of a project in status "draft" (allowed from: spec_review)',
    );
    expect(error.details).toMatchObject({ status: "draft", action: "approve" });
  });
});
