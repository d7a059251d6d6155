/** Small statistics helpers for the benchmarks: nearest-rank percentiles, no interpolation. */

/** The p-th percentile (0 < p <= 100) by the nearest-rank method; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Summary of a list of errors (measured minus truth), in milliseconds. */
export interface ErrorSummary {
  readonly n: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly minMs: number;
  readonly maxMs: number;
}

export function summarizeErrors(errors: readonly number[]): ErrorSummary {
  return {
    n: errors.length,
    medianMs: round(median(errors), 3),
    p99Ms: round(percentile(errors, 99), 3),
    minMs: round(Math.min(...errors), 3),
    maxMs: round(Math.max(...errors), 3),
  };
}
