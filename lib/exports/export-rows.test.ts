import { describe, expect, test } from "vitest";
import { slugify } from "./export-rows";

describe("the slug in an export's file name", () => {
  test("is lower case letters, digits and single dashes", () => {
    expect(slugify("My SaaS App!")).toBe("my-saas-app");
    expect(slugify("  Café — Déjà vu  ")).toBe("cafe-deja-vu");
    expect(slugify('a"b\\c/d\r\ne')).toBe("a-b-c-d-e");
  });

  test("is never empty and never long", () => {
    expect(slugify("日本語")).toBe("project");
    expect(slugify("---")).toBe("project");
    expect(slugify(`${"a".repeat(59)} b`)).toBe("a".repeat(59));
  });
});
