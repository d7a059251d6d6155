/**
 * From what each source's page held to the published figures: gauges combined over the sources
 * (sum, lowest, highest), counters as rates, increases or ratios of their increases (./windows.ts),
 * histograms as quantiles of their bucket increases (./quantile.ts). Which figure comes from what
 * is ./rules.ts.
 */
import {
  type FigureComponent,
  type FigureMetricName,
  FigureMetrics,
  type InstanceDimension,
} from "../../shared/metrics.ts";
import type { CounterKey, Extraction, GaugeKey, HistogramKey } from "./extract/index.ts";
import { type Bucket, bucketQuantile } from "./quantile.ts";
import type { CounterWindow, HistogramWindow } from "./windows.ts";

export { FIGURE_RULES } from "./rules.ts";
export * from "./windows.ts";

interface RuleBase {
  readonly metric: FigureMetricName;
  /** Why there is no figure when no source's page has its series (the default says: see the notes). */
  readonly absent?: string;
}

export type FigureRule =
  | (RuleBase & {
      readonly kind: "sum" | "min" | "max";
      readonly gauge: GaugeKey;
      /**
       * A source that could not be read counts as 0 (a sum of the workers that can be confirmed):
       * the figure is published even when none could be read.
       */
      readonly unreadIsZero?: boolean;
    })
  | (RuleBase & {
      /** `maxRate`: the highest per-series rate, over the series and the sources. */
      readonly kind: "rate" | "increase" | "maxRate";
      readonly counter: CounterKey;
      /** Multiplies the value (100 for a share of a second per second as a percent). @default 1 */
      readonly scale?: number;
      /**
       * `increase` only: a series first seen while its source continues counts its whole value,
       * for counters whose labelled series client_golang creates at their first increment (a
       * first failure of a kind would be lost otherwise).
       */
      readonly countsNewSeries?: boolean;
    })
  | (RuleBase & {
      readonly kind: "ratio";
      readonly numerator: CounterKey;
      readonly denominator: CounterKey;
      /** Why there is no figure when the denominator did not move. */
      readonly idle: string;
      /** @default 100 (a percentage) */
      readonly scale?: number;
    })
  | (RuleBase & {
      readonly kind: "quantile";
      readonly histogram: HistogramKey;
      /** Between 0 and 1. */
      readonly quantile: number;
      /** From the histogram's unit to the figure's (1000: seconds to milliseconds). @default 1 */
      readonly scale?: number;
      /** Why there is no figure when nothing was observed in the interval. */
      readonly idle: string;
    });

/** One source read successfully this cycle. */
export interface SourceReading {
  readonly extraction: Extraction;
  readonly windows: Partial<Record<CounterKey, CounterWindow>>;
  readonly histograms?: Partial<Record<HistogramKey, HistogramWindow>>;
  /** True when the source had no previous successful read (cold start, or back after failing). */
  readonly first: boolean;
}

export type FigureOutcome =
  | { readonly value: number; readonly sources: number; readonly note?: string }
  | { readonly value?: undefined; readonly reason: string };

const NOT_IN_PAGE = "not in the page (see the source's notes)";

/** One figure from the readings of every source of its kind (`total` configured, some may have failed). */
export function computeFigure(
  rule: FigureRule,
  readings: readonly SourceReading[],
  total: number,
): FigureOutcome {
  const outcome = figureOf(rule, readings, total);
  // PutMetricData refuses NaN and infinities: a figure that is not a finite number is not a figure.
  if (outcome.value !== undefined && !Number.isFinite(outcome.value)) {
    return { reason: `computed ${outcome.value}, not a finite number` };
  }
  return outcome;
}

function figureOf(rule: FigureRule, readings: readonly SourceReading[], total: number): FigureOutcome {
  if (readings.length === 0) {
    if ((rule.kind === "sum" || rule.kind === "min" || rule.kind === "max") && rule.unreadIsZero) {
      return {
        value: 0,
        sources: 0,
        note: total > 1 ? `none of the ${total} sources could be read` : "source could not be read",
      };
    }
    return { reason: total > 1 ? `none of the ${total} sources could be read` : "source could not be read" };
  }
  const absent = rule.absent ?? NOT_IN_PAGE;
  switch (rule.kind) {
    case "sum":
    case "min":
    case "max": {
      const values = readings
        .map((reading) => reading.extraction.gauges[rule.gauge])
        .filter((value): value is number => value !== undefined);
      if (values.length === 0) return { reason: absent };
      const value =
        rule.kind === "sum"
          ? values.reduce((a, b) => a + b, 0)
          : rule.kind === "min"
            ? Math.min(...values)
            : Math.max(...values);
      return { value, sources: values.length };
    }
    case "rate":
    case "increase":
    case "maxRate": {
      const windows = readings.map((r) => r.windows[rule.counter]);
      if (windows.every((window) => window === undefined)) return { reason: absent };
      const based = windows.filter((w): w is CounterWindow => w?.based === true);
      if (based.length === 0) return { reason: unbasedReason(readings) };
      const pick = (w: CounterWindow): number =>
        rule.kind === "rate"
          ? w.rate
          : rule.kind === "increase"
            ? w.increase + (rule.countsNewSeries ? w.newIncrease : 0)
            : w.maxRate;
      const value =
        rule.kind === "maxRate" ? Math.max(...based.map(pick)) : based.reduce((sum, w) => sum + pick(w), 0);
      return { value: value * (rule.scale ?? 1), sources: based.length };
    }
    case "ratio": {
      if (readings.every((reading) => reading.windows[rule.denominator] === undefined))
        return { reason: absent };
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
      return { value: ((rule.scale ?? 100) * numerator) / denominator, sources };
    }
    case "quantile":
      return quantileOf(rule, readings, absent);
  }
}

/** Every source's bucket increases added per upper bound, then interpolated (histogram_quantile). */
function quantileOf(
  rule: Extract<FigureRule, { kind: "quantile" }>,
  readings: readonly SourceReading[],
  absent: string,
): FigureOutcome {
  const windows = readings.map((reading) => reading.histograms?.[rule.histogram]);
  if (windows.every((window) => window === undefined || window.withPrevious + window.newSeries === 0)) {
    return { reason: absent };
  }
  const based = windows.filter((w): w is HistogramWindow => w?.based === true);
  if (based.length === 0) return { reason: unbasedReason(readings) };
  const buckets: Bucket[] = based.flatMap((window) => window.buckets);
  const result = bucketQuantile(rule.quantile, buckets);
  if (result.value === undefined) {
    if (result.reason === "no-observations") return { reason: rule.idle };
    return {
      reason:
        result.reason === "no-inf-bucket"
          ? "the histogram has no +Inf bucket"
          : "the histogram has a single bucket: no quantile",
    };
  }
  const scale = rule.scale ?? 1;
  const notes: string[] = [];
  if (result.inInfBucket) {
    notes.push(
      `above the highest finite bucket: ${result.value * scale} is that bucket's bound, a lower bound of the true value`,
    );
  }
  if (result.forcedMonotonic)
    notes.push("bucket counts were not monotonic and were smoothed, as Prometheus does");
  return {
    value: result.value * scale,
    sources: based.length,
    ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
  };
}

function unbasedReason(readings: readonly SourceReading[]): string {
  return readings.some((reading) => reading.first)
    ? "first sample: the rate starts with the next cycle"
    : "every series is new (restarted under a new identity?): the rate starts with the next cycle";
}

/** The host or bucket a figure is about, for figures published per instance. */
export interface FigureInstance {
  readonly dimension: InstanceDimension;
  readonly value: string;
}

export interface FigureValue {
  readonly component: FigureComponent;
  readonly metric: FigureMetricName;
  readonly unit: string;
  readonly value: number;
  /** How many sources the value covers, of how many configured (a node may have failed). */
  readonly sources: number;
  readonly of: number;
  readonly instance?: FigureInstance;
  /** Something the value does not say by itself (a quantile above the last bucket). */
  readonly note?: string;
}

export interface MissingFigure {
  readonly component: FigureComponent;
  readonly metric: FigureMetricName;
  readonly reason: string;
  readonly instance?: FigureInstance;
}

export function componentOf(metric: FigureMetricName): FigureComponent {
  const component = FigureMetrics[metric].component;
  return component as FigureComponent;
}
