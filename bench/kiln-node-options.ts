// Node flags for the Kiln a benchmark starts: BENCH_NODE_OPTIONS tries flags on Kiln's process,
// and BENCH_PROFILE (a directory) adds a CPU profile of it.

export function kilnNodeOptions(): string | undefined {
  const profile = process.env.BENCH_PROFILE;
  return (
    [process.env.BENCH_NODE_OPTIONS ?? "", profile ? `--cpu-prof --cpu-prof-dir=${profile}` : ""]
      .join(" ")
      .trim() || undefined
  );
}
