/**
 * From what each source's page held to the published figures.
 *
 * Counters become increases per series with Prometheus' reset rule (a value lower than the
 * previous one means the process restarted, so the increase is the new value), over the time
 * between the two samples; then they are summed over the sources (nodes). A series with no
 * previous sample adds nothing (its value becomes the baseline), and a source read for the first
 * time has no rate at all: rates are never guessed.
 */
import {
  type FigureComponent,
  type FigureMetricName,
  FigureMetrics,
  type SourceComponent,
} from "../../shared/metrics.ts";
import type { CounterKey, CounterSeries, Extraction, GaugeKey } from "./extract/index.ts";

/** The last sample of each counter series of one source: the start of the next window. */
export interface SourceMemory {
  readonly series: ReadonlyMap<string, { readonly value: number; readonly atMs: number }>;
}

export interface CounterWindow {
  /** Sum of the increases of the series that have a previous sample. */
  readonly increase: number;
  /** Sum of those increases, each divided by its own window, per second. */
  readonly rate: number;
  /** False when there is nothing to base a rate on (first read, or every series is new). */
  readonly based: boolean;
  /** Series with a usable previous sample. */
  readonly withPrevious: number;
  /** Series seen for the first time (baseline only). */
  readonly newSeries: number;
  /** Series whose value dropped (a restart): their increase is their new value. */
  readonly resets: number;
}

export function counterWindow(
  series: readonly CounterSeries[],
  previous: SourceMemory | undefined,
  scrapedAtMs: number,
): CounterWindow {
  if (!previous) {
    return { increase: 0, rate: 0, based: false, withPrevious: 0, newSeries: series.length, resets: 0 };
  }
  let increase = 0;
  let rate = 0;
  let newSeries = 0;
  let resets = 0;
  let withPrevious = 0;
  for (const current of series) {
    const before = previous.series.get(current.key);
    if (!before) {
      newSeries++;
      continue;
    }
    const atMs = current.timestampMs ?? scrapedAtMs;
    const seconds = (atMs - before.atMs) / 1000;
    if (!(seconds > 0)) continue; // no new sample of this series since the last read
    withPrevious++;
    let delta = current.value - before.value;
    if (delta < 0) {
      resets++;
      delta = current.value;
    }
    increase += delta;
    rate += delta / seconds;
  }
  // No series at all is a fact (nothing happened); series that are all new are not.
  const based = series.length === 0 || withPrevious > 0;
  return { increase, rate, based, withPrevious, newSeries, resets };
}

/**
 * The windows of every counter of one source. A counter whose series are all new (its first
 * failure, say) is a zero increase when other counters of the page continue; but when no series
 * of the page has a previous sample, the source restarted under a new identity (LiveKit draws a
 * new node_id at each start) and it has no rate this cycle.
 */
export function sourceWindows(
  extraction: Extraction,
  previous: SourceMemory | undefined,
  scrapedAtMs: number,
): Partial<Record<CounterKey, CounterWindow>> {
  const windows: Partial<Record<CounterKey, CounterWindow>> = {};
  let series = 0;
  let continued = 0;
  for (const [key, list] of Object.entries(extraction.counters) as [CounterKey, readonly CounterSeries[]][]) {
    const window = counterWindow(list, previous, scrapedAtMs);
    windows[key] = window;
    series += list.length;
    continued += window.withPrevious;
  }
  const renewed = previous !== undefined && series > 0 && continued === 0;
  for (const [key, window] of Object.entries(windows) as [CounterKey, CounterWindow][]) {
    windows[key] = { ...window, based: previous !== undefined && !renewed };
  }
  return windows;
}

/** The memory to keep after a successful read: every counter series of the page. */
export function memoryOf(extraction: Extraction, scrapedAtMs: number): SourceMemory {
  const series = new Map<string, { value: number; atMs: number }>();
  for (const list of Object.values(extraction.counters)) {
    for (const item of list ?? [])
      series.set(item.key, { value: item.value, atMs: item.timestampMs ?? scrapedAtMs });
  }
  return { series };
}

export type FigureRule =
  | { readonly metric: FigureMetricName; readonly kind: "sum" | "min" | "max"; readonly gauge: GaugeKey }
  | { readonly metric: FigureMetricName; readonly kind: "rate" | "increase"; readonly counter: CounterKey }
  | {
      readonly metric: FigureMetricName;
      readonly kind: "ratio";
      readonly numerator: CounterKey;
      readonly denominator: CounterKey;
      /** Why there is no figure when the denominator did not move. */
      readonly idle: string;
    };

/** Which figures each kind of source feeds, and how. */
export const FIGURE_RULES: Readonly<Record<SourceComponent, readonly FigureRule[]>> = {
  livekit: [
    { metric: "Rooms", kind: "sum", gauge: "rooms" },
    { metric: "Participants", kind: "sum", gauge: "participants" },
    { metric: "PublishedTracks", kind: "sum", gauge: "publishedTracks" },
    { metric: "SubscribedTracks", kind: "sum", gauge: "subscribedTracks" },
    {
      metric: "PacketLoss",
      kind: "ratio",
      numerator: "packetLossIncoming",
      denominator: "packetsIncomingInitial",
      idle: "no incoming packets in the interval",
    },
    { metric: "NackRate", kind: "rate", counter: "nacks" },
    { metric: "BytesIn", kind: "rate", counter: "bytesIncoming" },
    { metric: "BytesOut", kind: "rate", counter: "bytesOutgoing" },
    { metric: "WebhookFailures", kind: "increase", counter: "webhookFailures" },
  ],
  garage: [
    { metric: "DiskFreePercent", kind: "min", gauge: "diskFreePercent" },
    {
      metric: "S3ErrorRate",
      kind: "ratio",
      numerator: "s3Errors5xx",
      denominator: "s3Requests",
      idle: "no S3 requests in the interval",
    },
    { metric: "ClusterHealthy", kind: "min", gauge: "clusterHealthy" },
  ],
  backend: [
    {
      metric: "ErrorRate",
      kind: "ratio",
      numerator: "requests5xx",
      denominator: "requests",
      idle: "no requests in the interval",
    },
    { metric: "RequestRate", kind: "rate", counter: "requests" },
  ],
  database: [{ metric: "ConnectionsPercent", kind: "max", gauge: "connectionsPercent" }],
};

/** One source read successfully this cycle. */
export interface SourceReading {
  readonly extraction: Extraction;
  readonly windows: Partial<Record<CounterKey, CounterWindow>>;
  /** True when the source had no previous successful read (cold start, or back after failing). */
  readonly first: boolean;
}

export type FigureOutcome =
  | { readonly value: number; readonly sources: number }
  | { readonly value?: undefined; readonly reason: string };

/** One figure from the readings of every source of its kind (`total` configured, some may have failed). */
export function computeFigure(
  rule: FigureRule,
  readings: readonly SourceReading[],
  total: number,
): FigureOutcome {
  if (readings.length === 0) {
    return { reason: total > 1 ? `none of the ${total} sources could be read` : "source could not be read" };
  }
  switch (rule.kind) {
    case "sum":
    case "min":
    case "max": {
      const values = readings
        .map((reading) => reading.extraction.gauges[rule.gauge])
        .filter((value): value is number => value !== undefined);
      if (values.length === 0) return { reason: "not in the page (see the source's notes)" };
      const value =
        rule.kind === "sum"
          ? values.reduce((a, b) => a + b, 0)
          : rule.kind === "min"
            ? Math.min(...values)
            : Math.max(...values);
      return { value, sources: values.length };
    }
    case "rate":
    case "increase": {
      const based = readings
        .map((r) => r.windows[rule.counter])
        .filter((w): w is CounterWindow => w?.based === true);
      if (based.length === 0) return { reason: unbasedReason(readings) };
      const value = based.reduce((sum, w) => sum + (rule.kind === "rate" ? w.rate : w.increase), 0);
      return { value, sources: based.length };
    }
    case "ratio": {
      let numerator = 0;
      let denominator = 0;
      let sources = 0;
      for (const reading of readings) {
        const den = reading.windows[rule.denominator];
        if (den?.based !== true) continue;
        sources++;
        denominator += den.increase;
        numerator += reading.windows[rule.numerator]?.increase ?? 0;
      }
      if (sources === 0) return { reason: unbasedReason(readings) };
      if (denominator === 0) return { reason: rule.idle };
      return { value: (100 * numerator) / denominator, sources };
    }
  }
}

function unbasedReason(readings: readonly SourceReading[]): string {
  return readings.some((reading) => reading.first)
    ? "first sample: the rate starts with the next cycle"
    : "every series is new (restarted under a new identity?): the rate starts with the next cycle";
}

export interface FigureValue {
  readonly component: FigureComponent;
  readonly metric: FigureMetricName;
  readonly unit: string;
  readonly value: number;
  /** How many sources the value covers, of how many configured (a node may have failed). */
  readonly sources: number;
  readonly of: number;
}

export interface MissingFigure {
  readonly component: FigureComponent;
  readonly metric: FigureMetricName;
  readonly reason: string;
}

export function componentOf(metric: FigureMetricName): FigureComponent {
  const component = FigureMetrics[metric].component;
  return component as FigureComponent;
}
