/**
 * What every extractor shares: the figures' keys, the extraction's shape, and the helpers that
 * select samples and turn them into gauges and counter series. Each source's extractor (one
 * module per source in this folder) is a pure function from a parsed exposition to the gauges
 * (already combined within the page) and the counter series (kept apart: rates are taken per
 * series). Metric names and labels are the real ones (see docs/whitebox.md).
 */
import type { Exposition, Sample } from "../../prometheus/parse.ts";
import { seriesKey } from "../../prometheus/parse.ts";

export type GaugeKey =
  | "rooms"
  | "participants"
  | "publishedTracks"
  | "subscribedTracks"
  | "diskFreePercent"
  | "clusterHealthy"
  | "connectionsPercent";

export type CounterKey =
  | "packetLossIncoming"
  | "packetsIncomingInitial"
  | "nacks"
  | "bytesIncoming"
  | "bytesOutgoing"
  | "webhookFailures"
  | "s3Requests"
  | "s3Errors5xx"
  | "requests"
  | "requests5xx";

export interface CounterSeries {
  /** Name and labels: the series' identity across cycles. */
  readonly key: string;
  readonly value: number;
  /** The page's own timestamp for the sample, when it has one. */
  readonly timestampMs?: number;
}

export interface Extraction {
  readonly gauges: Partial<Record<GaugeKey, number>>;
  readonly counters: Partial<Record<CounterKey, readonly CounterSeries[]>>;
  /** Worth knowing, never a failure: e.g. a filter that matches no series. */
  readonly notes: readonly string[];
}

export type ExtractResult =
  | { readonly ok: true; readonly extraction: Extraction }
  | { readonly ok: false; readonly error: string };

export type Extractor = (exposition: Exposition) => ExtractResult;

export type Matcher = (labels: Readonly<Record<string, string>>) => boolean;

const all: Matcher = () => true;
export const labelIs =
  (label: string, value: string): Matcher =>
  (labels) =>
    labels[label] === value;
export const both =
  (a: Matcher, b: Matcher): Matcher =>
  (labels) =>
    a(labels) && b(labels);

export function select(exposition: Exposition, name: string, matcher: Matcher = all): Sample[] {
  return exposition.samples.filter((sample) => sample.name === name && matcher(sample.labels));
}

interface GaugeSum {
  readonly value: number;
  readonly skipped: number;
}

/** Sum of the finite samples (a NaN gauge is skipped and reported, never summed into NaN). */
export function sumGauge(samples: readonly Sample[]): GaugeSum {
  let value = 0;
  let skipped = 0;
  for (const sample of samples) {
    if (Number.isFinite(sample.value)) value += sample.value;
    else skipped++;
  }
  return { value, skipped };
}

/** Counter series usable for rates: finite and not negative (anything else is not a counter). */
export function counterSeries(samples: readonly Sample[], notes: string[]): CounterSeries[] {
  const series: CounterSeries[] = [];
  let skipped = 0;
  for (const sample of samples) {
    if (!Number.isFinite(sample.value) || sample.value < 0) {
      skipped++;
      continue;
    }
    series.push({
      key: seriesKey(sample.name, sample.labels),
      value: sample.value,
      ...(sample.timestampMs === undefined ? {} : { timestampMs: sample.timestampMs }),
    });
  }
  if (skipped > 0) notes.push(`${skipped} counter sample(s) not finite or negative, ignored`);
  return series;
}

/** A 5xx status, or a status class such as `5xx`. */
export const STATUS_5XX = /^5(?:\d\d|xx)$/i;
