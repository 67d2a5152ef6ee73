import { expect, test } from "vitest";
import { searchQuery } from "./search";

test("every word, as a prefix, lower-cased", () => {
  expect(searchQuery("Task Boards")).toBe("task:* & boards:*");
  expect(searchQuery("  CRM  ")).toBe("crm:*");
  expect(searchQuery("Café über")).toBe("café:* & über:*");
});

test("query syntax in the input is only a separator", () => {
  expect(searchQuery("a & !b | c:* <-> (d)")).toBe("a:* & b:* & c:* & d:*");
  expect(searchQuery("'; drop table projects; --")).toBe("drop:* & table:* & projects:*");
});

test("no words, no query; at most ten words", () => {
  expect(searchQuery("!!! ---")).toBeUndefined();
  expect(searchQuery("")).toBeUndefined();
  expect(searchQuery("w ".repeat(50))?.split(" & ")).toHaveLength(10);
});
