// Latency summaries shared by the benchmarks: the same percentile everywhere, so figures from
// different benchmarks compare.

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

export const summary = (values: number[]) => ({
  samples: values.length,
  p50Ms: Number(percentile(values, 50).toFixed(1)),
  p99Ms: Number(percentile(values, 99).toFixed(1)),
});
