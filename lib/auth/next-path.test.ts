import { expect, test } from "vitest";
import { safeNextPath } from "./next-path";

test.each([
  ["/ide", "/ide"],
  ["/settings?tab=keys", "/settings?tab=keys"],
  [null, "/"],
  ["", "/"],
  ["ide", "/"],
  ["//evil.example", "/"],
  ["/\\evil.example", "/"],
  ["https://evil.example/", "/"],
  ["javascript:alert(1)", "/"],
])("safeNextPath(%j) is %j", (next, expected) => {
  expect(safeNextPath(next)).toBe(expected);
});
