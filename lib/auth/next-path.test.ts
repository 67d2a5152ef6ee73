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
  // Browsers strip tabs and newlines, turning these into //evil.example.
  ["/\t/evil.example", "/"],
  ["/\n/evil.example", "/"],
  ["/\r\\evil.example", "/"],
  ["/\t/evil.example:99999", "/"],
  ["/ide?q=a%09b", "/ide?q=a%09b"],
])("safeNextPath(%j) is %j", (next, expected) => {
  expect(safeNextPath(next)).toBe(expected);
});
