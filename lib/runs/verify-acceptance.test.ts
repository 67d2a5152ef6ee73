import { describe, expect, test } from "vitest";
import { mapAcceptance } from "./verify-acceptance";

// Acceptance criteria mapped to the tests that name them and the tasks behind them.

const testFiles = [
  {
    path: "tests/cart.test.ts",
    content: [
      'import { addItem } from "../src/cart";',
      'describe("cart", () => {',
      '  test("AC-1 adds an item", () => {});',
      '  it("AC-10: empties the cart", () => {});',
      "});",
    ].join("\n"),
  },
  {
    path: "tests/test_totals.py",
    content: [
      "from totals import total",
      "",
      "def test_total():  # AC-3",
      "    assert total([1]) == 1",
    ].join("\n"),
  },
  { path: "tests/misc.test.js", content: "// covers AC-4 as a whole\nrequire('node:test');\n" },
];

const tasks = [
  { slug: "cart", requirements: ["FR-1"], files: ["src/cart.ts"] },
  { slug: "totals", requirements: ["FR-9"], files: ["totals.py"] },
  { slug: "docs", requirements: ["FR-2"], files: ["README.md"] },
];

describe("mapAcceptance", () => {
  const mapped = mapAcceptance({
    acceptance: [
      { id: "AC-1", text: "Given a cart, when adding, then it holds the item." },
      { id: "AC-2", text: "Given FR-2's docs, when read, then they explain it." },
      { id: "AC-3", text: "Given items, when totalled, then the sum shows." },
      { id: "AC-4", text: "Given anything, when tested, then fine." },
      { id: "AC-10", text: "Given a cart, when emptied, then it is empty." },
    ],
    tasks,
    testFiles,
  });
  const byId = Object.fromEntries(mapped.map((criterion) => [criterion.id, criterion]));

  test("a test titled with the id covers it, and AC-1 is not AC-10", () => {
    expect(byId["AC-1"]).toMatchObject({
      tests: ["tests/cart.test.ts: AC-1 adds an item"],
      tasks: ["cart"],
      covered: true,
    });
    expect(byId["AC-10"]).toMatchObject({
      tests: ["tests/cart.test.ts: AC-10: empties the cart"],
      covered: true,
    });
  });

  test("a Python test names its function; the module it imports names its task", () => {
    expect(byId["AC-3"]).toMatchObject({
      tests: ["tests/test_totals.py: test_total"],
      tasks: ["totals"],
      covered: true,
    });
  });

  test("a file mentioning the id outside a test title covers it as a file", () => {
    expect(byId["AC-4"]).toMatchObject({ tests: ["tests/misc.test.js"], tasks: [], covered: true });
  });

  test("a criterion no test names is uncovered, though the task owning its FR is listed", () => {
    expect(byId["AC-2"]).toMatchObject({ tests: [], tasks: ["docs"], covered: false });
  });

  test("a criterion's requirement, when given, relates the task that owns it", () => {
    const [criterion] = mapAcceptance({
      acceptance: [{ id: "AC-7", text: "Given x, when y, then z.", requirement: "FR-9" }],
      tasks,
      testFiles,
    });
    expect(criterion).toMatchObject({ tasks: ["totals"], tests: [], covered: false });
  });
});
