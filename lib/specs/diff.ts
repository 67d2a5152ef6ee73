// A line diff of two documents, as unified-diff body lines (" " kept, "-" removed, "+" added)
// with three lines of context around each change and "@@" hunk headers; "" when they are the
// same. Longest common subsequence over lines: documents here are a few hundred lines.

const context = 3;
const maxLines = 5_000;

export function lineDiff(before: string, after: string): string {
  if (before === after) return "";
  const a = before.split("\n").slice(0, maxLines);
  const b = after.split("\n").slice(0, maxLines);
  // lcs[i][j]: length of the common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { op: " " | "-" | "+"; line: string; ai: number; bi: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ op: " ", line: a[i]!, ai: i++, bi: j++ });
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // Removals before additions, as unified diffs show a changed line.
      ops.push({ op: "-", line: a[i]!, ai: i++, bi: j });
    } else {
      ops.push({ op: "+", line: b[j]!, ai: i, bi: j++ });
    }
  }
  // Hunks: changes with their context, nearby ones joined.
  const out: string[] = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.op === " ") {
      k++;
      continue;
    }
    let start = Math.max(0, k - context);
    while (start > 0 && ops[start - 1]!.op !== " ") start--;
    let end = k;
    for (let quiet = 0; end < ops.length && quiet <= context * 2; end++) {
      quiet = ops[end]!.op === " " ? quiet + 1 : 0;
    }
    // Keep at most `context` unchanged lines after the last change.
    while (end > k && ops[end - 1]!.op === " " && trailing(ops, end) > context) end--;
    const hunk = ops.slice(start, end);
    const aLines = hunk.filter((o) => o.op !== "+").length;
    const bLines = hunk.filter((o) => o.op !== "-").length;
    out.push(`@@ -${hunk[0]!.ai + 1},${aLines} +${hunk[0]!.bi + 1},${bLines} @@`);
    for (const o of hunk) out.push(`${o.op}${o.line}`);
    k = end;
  }
  return out.join("\n");
}

/** How many unchanged lines end ops[..end]. */
function trailing(ops: { op: string }[], end: number): number {
  let n = 0;
  while (n < end && ops[end - 1 - n]!.op === " ") n++;
  return n;
}
