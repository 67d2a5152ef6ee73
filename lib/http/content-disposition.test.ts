import { describe, expect, test } from "vitest";
import { attachment } from "./content-disposition";

describe("attachment", () => {
  test("an ASCII name as it is", () => {
    expect(attachment("workspace.zip")).toBe('attachment; filename="workspace.zip"');
  });
  test("any other name: an ASCII fallback and the exact name in UTF-8", () => {
    expect(attachment("名前 (1).zip")).toBe(
      "attachment; filename=\"__ (1).zip\"; filename*=UTF-8''%E5%90%8D%E5%89%8D%20%281%29.zip",
    );
  });
  test("quotes, backslashes and line breaks never reach the header", () => {
    const header = attachment('a"b\\c\r\nSet-Cookie: x.zip');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header.startsWith('attachment; filename="a_b_c__Set-Cookie: x.zip";')).toBe(true);
  });
});
