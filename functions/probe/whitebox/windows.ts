/**
 * From two samples of a source to what happened in between.
 *
 * Counters (and each cumulative bucket of a histogram) become increases per series with
 * Prometheus' reset rule (a value lower than the previous one means the process restarted, so the
 * increase is the new value), over the time between the two samples. A series with no previous
 * sample adds nothing (its value becomes the baseline), and a source read for the first time has
 * no window at all: rates are never guessed.
 */

import type { BucketSeries, CounterKey, CounterSeries, Extraction, HistogramKey } from "./extract/index.ts";
import type { Bucket } from "./quantile.ts";

/** The last sample of each counter and bucket series of one source: the start of the next window. */
export interface SourceMemory {
  readonly series: ReadonlyMap<string, { readonly value: number; readonly atMs: number }>;
  /** The source's identity at that sample, when its page says (see Extraction.identity). */
  readonly identity?: string;
}

export interface CounterWindow {
  /** Sum of the increases of the series that have a previous sample. */
  readonly increase: number;
  /** Sum of those increases, each divided by its own window, per second. */
  readonly rate: number;
  /** The highest per-second increase of a single series (the busiest disk, say). */
  readonly maxRate: number;
  /** False when there is nothing to base a rate on (first read, or every series is new). */
  readonly based: boolean;
  /** Series with a usable previous sample. */
  readonly withPrevious: number;
  /** Series seen for the first time (baseline only). */
  readonly newSeries: number;
  /**
   * The values of those new series (when the source has a previous sample): what they counted
   * since they were created, for counters whose labelled series appear at their first increment.
   */
  readonly newIncrease: number;
  /** Series whose value dropped (a restart): their increase is their new value. */
  readonly resets: number;
}

export interface HistogramWindow {
  /** Each upper bound's increase over the interval, summed over the series: cumulative buckets. */
  readonly buckets: readonly Bucket[];
  readonly based: boolean;
  readonly withPrevious: number;
  readonly newSeries: number;
  readonly resets: number;
}

export interface SourceWindows {
  readonly counters: Partial<Record<CounterKey, CounterWindow>>;
  readonly histograms: Partial<Record<HistogramKey, HistogramWindow>>;
}

type Step =
  | { readonly kind: "new" }
  | { readonly kind: "stale" }
  | { readonly kind: "moved"; readonly delta: number; readonly seconds: number; readonly reset: boolean };

/** What one series did since its previous sample. */
function step(current: CounterSeries, previous: SourceMemory, scrapedAtMs: number): Step {
  const before = previous.series.get(current.key);
  if (!before) return { kind: "new" };
  const atMs = current.timestampMs ?? scrapedAtMs;
  const seconds = (atMs - before.atMs) / 1000;
  if (!(seconds > 0)) return { kind: "stale" }; // no new sample of this series since the last read
  const delta = current.value - before.value;
  return delta < 0
    ? { kind: "moved", delta: current.value, seconds, reset: true }
    : { kind: "moved", delta, seconds, reset: false };
}

export function counterWindow(
  series: readonly CounterSeries[],
  previous: SourceMemory | undefined,
  scrapedAtMs: number,
): CounterWindow {
  if (!previous) {
    return {
      increase: 0,
      rate: 0,
      maxRate: 0,
      based: false,
      withPrevious: 0,
      newSeries: series.length,
      newIncrease: 0,
      resets: 0,
    };
  }
  let increase = 0;
  let rate = 0;
  let maxRate = 0;
  let newSeries = 0;
  let newIncrease = 0;
  let resets = 0;
  let withPrevious = 0;
  for (const current of series) {
    const moved = step(current, previous, scrapedAtMs);
    if (moved.kind === "new") {
      newSeries++;
      newIncrease += current.value;
    }
    if (moved.kind !== "moved") continue;
    withPrevious++;
    if (moved.reset) resets++;
    increase += moved.delta;
    rate += moved.delta / moved.seconds;
    maxRate = Math.max(maxRate, moved.delta / moved.seconds);
  }
  // No series at all is a fact (nothing happened); series that are all new are not.
  const based = series.length === 0 || withPrevious > 0;
  return { increase, rate, maxRate, based, withPrevious, newSeries, newIncrease, resets };
}

/** The bucket increases of one histogram, summed per upper bound over its series. */
export function histogramWindow(
  series: readonly BucketSeries[],
  previous: SourceMemory | undefined,
  scrapedAtMs: number,
): HistogramWindow {
  const byBound = new Map<number, number>();
  let newSeries = 0;
  let resets = 0;
  let withPrevious = 0;
  for (const current of series) {
    const moved = previous ? step(current, previous, scrapedAtMs) : ({ kind: "new" } as const);
    if (moved.kind === "new") newSeries++;
    if (moved.kind !== "moved") continue;
    withPrevious++;
    if (moved.reset) resets++;
    byBound.set(current.upperBound, (byBound.get(current.upperBound) ?? 0) + moved.delta);
  }
  const buckets = [...byBound].map(([upperBound, count]) => ({ upperBound, count }));
  return { buckets, based: withPrevious > 0, withPrevious, newSeries, resets };
}

/**
 * The windows of every counter and histogram of one source. A counter whose series are all new
 * (its first failure, say) is a zero increase when other series of the page continue; but when no
 * series of the page has a previous sample, the source restarted under a new identity (LiveKit
 * draws a new node_id at each start) and it has no rate this cycle.
 */
export function windowsOf(
  extraction: Extraction,
  previous: SourceMemory | undefined,
  scrapedAtMs: number,
): SourceWindows {
  const counters: Partial<Record<CounterKey, CounterWindow>> = {};
  const histograms: Partial<Record<HistogramKey, HistogramWindow>> = {};
  let series = 0;
  let continued = 0;
  for (const [key, list] of Object.entries(extraction.counters) as [CounterKey, readonly CounterSeries[]][]) {
    const window = counterWindow(list, previous, scrapedAtMs);
    counters[key] = window;
    series += list.length;
    continued += window.withPrevious;
  }
  for (const [key, list] of Object.entries(extraction.histograms ?? {}) as [
    HistogramKey,
    readonly BucketSeries[],
  ][]) {
    const window = histogramWindow(list, previous, scrapedAtMs);
    histograms[key] = window;
    series += list.length;
    continued += window.withPrevious;
  }
  // A page that names its source says itself whether it restarted; otherwise a page none of whose
  // series continue is taken for a restart under a new identity (LiveKit's new node_id).
  const renewed =
    previous !== undefined &&
    (extraction.identity !== undefined && previous.identity !== undefined
      ? extraction.identity !== previous.identity
      : series > 0 && continued === 0);
  for (const [key, window] of Object.entries(counters) as [CounterKey, CounterWindow][]) {
    counters[key] = { ...window, based: previous !== undefined && !renewed };
  }
  return { counters, histograms };
}

/** The counter windows of one source (see windowsOf). */
export function sourceWindows(
  extraction: Extraction,
  previous: SourceMemory | undefined,
  scrapedAtMs: number,
): Partial<Record<CounterKey, CounterWindow>> {
  return windowsOf(extraction, previous, scrapedAtMs).counters;
}

/** Series that reset since the previous sample, counters and buckets together. */
export function resetsOf(windows: SourceWindows): number {
  return [...Object.values(windows.counters), ...Object.values(windows.histograms)].reduce(
    (sum, window) => sum + window.resets,
    0,
  );
}

/** The memory to keep after a successful read: every counter and bucket series of the page. */
export function memoryOf(extraction: Extraction, scrapedAtMs: number): SourceMemory {
  const series = new Map<string, { value: number; atMs: number }>();
  const lists: (readonly CounterSeries[] | undefined)[] = [
    ...Object.values(extraction.counters),
    ...Object.values(extraction.histograms ?? {}),
  ];
  for (const list of lists) {
    for (const item of list ?? [])
      series.set(item.key, { value: item.value, atMs: item.timestampMs ?? scrapedAtMs });
  }
  return { series, ...(extraction.identity === undefined ? {} : { identity: extraction.identity }) };
}
