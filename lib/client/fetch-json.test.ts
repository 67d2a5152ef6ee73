import { describe, expect, test } from "vitest";
import { ApiError, errorMessage } from "./fetch-json";

describe("errorMessage", () => {
  test("drops a validation message's field path and starts with a capital", () => {
    expect(
      errorMessage(new ApiError("messages.0.content: must be at most 200000 characters", 400)),
    ).toBe("Must be at most 200000 characters");
    expect(errorMessage(new ApiError('model.providerId: unknown provider "x"', 400))).toBe(
      'Unknown provider "x"',
    );
  });

  test("keeps other messages as the server wrote them", () => {
    expect(errorMessage(new ApiError("baseURL: required for a server", 400))).toBe(
      "baseURL: required for a server",
    );
    expect(errorMessage(new ApiError("Chat not found", 404))).toBe("Chat not found");
    expect(errorMessage(new TypeError("fetch failed"))).toBe(
      "Kiln could not be reached. Try again.",
    );
  });
});
