// Which lines of a file an edit changed: the 1-based numbers of the new text's lines that are
// not part of the longest common sequence of lines with the old text. Browser code reads this.

/** Above this many line pairs the comparison is by content only (line moves count as kept). */
const maxCells = 4_000_000;

export function changedLines(before: string, after: string): number[] {
  if (before === after) return [];
  const old = before.split("\n");
  const now = after.split("\n");
  // The common start and end are kept; only the middle is compared.
  let start = 0;
  while (start < old.length && start < now.length && old[start] === now[start]) start++;
  let end = 0;
  while (
    end < old.length - start &&
    end < now.length - start &&
    old[old.length - 1 - end] === now[now.length - 1 - end]
  ) {
    end++;
  }
  const a = old.slice(start, old.length - end);
  const b = now.slice(start, now.length - end);
  const kept = a.length * b.length > maxCells ? keptByContent(a, b) : keptByLcs(a, b);
  const changed: number[] = [];
  b.forEach((_, index) => {
    if (!kept.has(index)) changed.push(start + index + 1);
  });
  return changed;
}

/** Indexes of `b` on a longest common subsequence of lines with `a`. */
function keptByLcs(a: string[], b: string[]): Set<number> {
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * width + j] =
        a[i] === b[j]
          ? (table[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(table[(i + 1) * width + j] ?? 0, table[i * width + j + 1] ?? 0);
    }
  }
  const kept = new Set<number>();
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      kept.add(j);
      i++;
      j++;
    } else if ((table[(i + 1) * width + j] ?? 0) >= (table[i * width + j + 1] ?? 0)) i++;
    else j++;
  }
  return kept;
}

function keptByContent(a: string[], b: string[]): Set<number> {
  const counts = new Map<string, number>();
  for (const line of a) counts.set(line, (counts.get(line) ?? 0) + 1);
  const kept = new Set<number>();
  b.forEach((line, index) => {
    const left = counts.get(line) ?? 0;
    if (left > 0) {
      counts.set(line, left - 1);
      kept.add(index);
    }
  });
  return kept;
}
