import { describe, expect, test } from "vitest";
import { ApiError } from "./fetch-json";
import { plainError } from "./v1-event-stream";

describe("plainError", () => {
  test("a validation error reads as a sentence about the field, without its path", () => {
    expect(plainError(new ApiError("name: is required", 400, "VALIDATION_ERROR"))).toBe(
      "Name is required",
    );
    expect(
      plainError(
        new ApiError("tech_stack.0: must be at most 50 characters", 400, "VALIDATION_ERROR"),
      ),
    ).toBe("Tech stack must be at most 50 characters");
  });

  test("an answer's problem names its question in words", () => {
    const error = new ApiError(
      'answers: q2: "Fax" is not one of the options (Email, Google)',
      400,
      "VALIDATION_ERROR",
    );
    expect(plainError(error)).toBe('Question 2: "Fax" is not one of the options (Email, Google)');
  });

  test("other errors keep the server's message; an unreachable server says so", () => {
    const conflict =
      'Cannot approve the spec of a project in status "draft" (allowed from: spec_review)';
    expect(plainError(new ApiError(conflict, 409, "CONFLICT"))).toBe(conflict);
    expect(plainError(new TypeError("Failed to fetch"))).toBe(
      "Kiln could not be reached. Try again.",
    );
  });
});
