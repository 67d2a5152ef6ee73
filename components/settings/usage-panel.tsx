"use client";

import { Alert } from "@/components/ui/alert";
import { useUsage } from "@/hooks/use-usage";
import { type ProviderId, providerIds, providerNames } from "@/lib/ai/providers-list";
import type { UsageRow } from "@/lib/ai/schemas";

const formatCount = (value: number) => value.toLocaleString();

/** "350 ms" under a second, "1.2 s" from there on. */
function formatLatency(ms: number) {
  const rounded = Math.round(ms);
  if (rounded < 1000) return `${rounded} ms`;
  const seconds = (rounded / 1000).toLocaleString(undefined, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  return `${seconds} s`;
}

const isProviderId = (value: string): value is ProviderId =>
  (providerIds as readonly string[]).includes(value);

const providerLabel = (provider: string) =>
  isProviderId(provider) ? providerNames[provider].short : provider;

function totals(rows: UsageRow[]) {
  const sum = (pick: (row: UsageRow) => number) => rows.reduce((n, row) => n + pick(row), 0);
  const calls = sum((row) => row.calls);
  return {
    calls,
    failures: sum((row) => row.failures),
    inputTokens: sum((row) => row.inputTokens),
    outputTokens: sum((row) => row.outputTokens),
    // Each row's average stands for its calls, so the overall one weighs rows by their calls.
    averageLatencyMs: calls ? sum((row) => row.averageLatencyMs * row.calls) / calls : 0,
  };
}

const headers = [
  { label: "Provider", isNumber: false },
  { label: "Model", isNumber: false },
  { label: "Purpose", isNumber: false },
  { label: "Calls", isNumber: true },
  { label: "Failures", isNumber: true },
  { label: "Input tokens", isNumber: true },
  { label: "Output tokens", isNumber: true },
  { label: "Avg latency", isNumber: true },
];

const cell = "px-4 py-3 text-zinc-400";
const numberCell = "px-4 py-3 text-right tabular-nums text-zinc-400";

export function UsagePanel() {
  const { usage, error } = useUsage();
  const days = usage?.days ?? 30;
  const total = usage && usage.rows.length > 0 ? totals(usage.rows) : undefined;

  return (
    <section aria-labelledby="usage-title" className="space-y-5">
      <div>
        <h2 id="usage-title" className="text-lg font-semibold">
          Usage
        </h2>
        <p className="mt-1 text-sm text-zinc-400">
          Model calls Kiln made for you in the last {days} days, by provider, model and purpose.
        </p>
      </div>
      {error ? <Alert tone="error">{error}</Alert> : null}
      <div className="overflow-x-auto rounded-lg border border-zinc-800">
        <table className="w-full text-left text-sm">
          <thead className="bg-zinc-900 text-xs uppercase tracking-wide text-zinc-400">
            <tr>
              {headers.map((header) => (
                <th
                  key={header.label}
                  className={`px-4 py-2 font-medium ${header.isNumber ? "text-right" : ""}`}
                >
                  {header.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-800">
            {usage === undefined && !error ? (
              <tr>
                <td colSpan={headers.length} className="px-4 py-6 text-center text-zinc-400">
                  Loading…
                </td>
              </tr>
            ) : null}
            {usage?.rows.length === 0 ? (
              <tr>
                <td colSpan={headers.length} className="px-4 py-6 text-center text-zinc-400">
                  No model calls in the last {usage.days} days.
                </td>
              </tr>
            ) : null}
            {usage?.rows.map((row) => (
              <tr key={`${row.provider}/${row.model}/${row.purpose}`} data-testid="usage-row">
                <td className="px-4 py-3 font-medium text-zinc-100">
                  {providerLabel(row.provider)}
                </td>
                <td className={`${cell} font-mono`}>{row.model}</td>
                <td className={cell}>{row.purpose}</td>
                <td className={numberCell}>{formatCount(row.calls)}</td>
                <td className={`${numberCell} ${row.failures ? "text-red-300" : ""}`}>
                  {formatCount(row.failures)}
                </td>
                <td className={numberCell}>{formatCount(row.inputTokens)}</td>
                <td className={numberCell}>{formatCount(row.outputTokens)}</td>
                <td className={numberCell}>{formatLatency(row.averageLatencyMs)}</td>
              </tr>
            ))}
          </tbody>
          {total ? (
            <tfoot className="border-t border-zinc-700 bg-zinc-900/60">
              <tr data-testid="usage-total">
                <th scope="row" colSpan={3} className="px-4 py-3 font-medium text-zinc-100">
                  Total
                </th>
                <td className={numberCell}>{formatCount(total.calls)}</td>
                <td className={numberCell}>{formatCount(total.failures)}</td>
                <td className={numberCell}>{formatCount(total.inputTokens)}</td>
                <td className={numberCell}>{formatCount(total.outputTokens)}</td>
                <td className={numberCell}>{formatLatency(total.averageLatencyMs)}</td>
              </tr>
            </tfoot>
          ) : null}
        </table>
      </div>
    </section>
  );
}
