import { expect, test } from "vitest";
import { addressFor, pathWithin } from "./preview-pane";

const origin = "http://0123abcd.preview.localhost:3000";

test("the address bar shows the path within the app, and opens paths on the app's origin", () => {
  expect(pathWithin(`${origin}/`, origin)).toBe("/");
  expect(pathWithin(`${origin}/about?x=1#top`, origin)).toBe("/about?x=1#top");
  expect(pathWithin("https://elsewhere.example/", origin)).toBeUndefined();
  expect(addressFor("about", origin)).toBe(`${origin}/about`);
  expect(addressFor(" /api/hello?q=1 ", origin)).toBe(`${origin}/api/hello?q=1`);
  expect(addressFor("", origin)).toBe(`${origin}/`);
  // A typed address never leaves the app's origin.
  expect(new URL(addressFor("//evil.example/x", origin)).origin).toBe(origin);
  expect(new URL(addressFor("https://evil.example/", origin)).origin).toBe(origin);
});
