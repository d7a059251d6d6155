/**
 * What every extractor shares: the figures' keys, the extraction's shape, and the helpers that
 * select samples and turn them into gauges and counter series. Each source's extractor (one
 * module per source in this folder) is a pure function from a parsed exposition to the gauges
 * (already combined within the page) and the counter series (kept apart: rates are taken per
 * series). Metric names and labels are the real ones (see docs/whitebox.md).
 */
import type { Exposition, Sample } from "../../prometheus/parse.ts";
import { mentions, parseValue, seriesKey } from "../../prometheus/parse.ts";

export type GaugeKey =
  | "rooms"
  | "participants"
  | "publishedTracks"
  | "subscribedTracks"
  | "diskFreePercent"
  | "clusterHealthy"
  | "connectionsPercent"
  // The guide's other layers.
  | "redisUp"
  | "redisMemoryPercent"
  | "redisClients"
  | "replicationLag"
  | "longestTransaction"
  | "memoryAvailablePercent"
  | "filesystemFreePercent"
  | "bucketBytes"
  | "bucketObjects"
  | "unfinishedUploads"
  | "egressAvailable"
  | "activeRecordings";

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
  | "requests5xx"
  // The guide's other layers.
  | "redisHits"
  | "redisLookups"
  | "redisRejected"
  | "redisEvicted"
  | "deadlocks"
  | "statementSeconds"
  | "statementCalls"
  | "cpuBusySeconds"
  | "cpuSeconds"
  | "diskIoSeconds"
  | "networkReceiveBytes"
  | "networkTransmitBytes"
  | "failedRecordings";

/** Histograms whose bucket increases give quantiles. */
export type HistogramKey = "responseTime";

export interface CounterSeries {
  /** Name and labels: the series' identity across cycles. */
  readonly key: string;
  readonly value: number;
  /** The page's own timestamp for the sample, when it has one. */
  readonly timestampMs?: number;
}

/** One cumulative bucket series of a histogram (`_bucket` with its `le`). */
export interface BucketSeries extends CounterSeries {
  /** Its `le`, as a number (+Inf for the last bucket). */
  readonly upperBound: number;
}

export interface Extraction {
  readonly gauges: Partial<Record<GaugeKey, number>>;
  readonly counters: Partial<Record<CounterKey, readonly CounterSeries[]>>;
  /** Bucket series, kept apart per series like counters (quantiles are taken on their increases). */
  readonly histograms?: Partial<Record<HistogramKey, readonly BucketSeries[]>>;
  /** Worth knowing, never a failure: e.g. a filter that matches no series. */
  readonly notes: readonly string[];
  /**
   * Who answered, when the page says (egress' node_id, drawn anew at each start): a different
   * identity than last time is a restart, whatever the counters show.
   */
  readonly identity?: string;
}

export type ExtractResult =
  | { readonly ok: true; readonly extraction: Extraction }
  | { readonly ok: false; readonly error: string };

export type Extractor = (exposition: Exposition) => ExtractResult;
/** For sources that answer JSON (an API, not a Prometheus page): the parsed document. */
export type JsonExtractor = (document: unknown) => ExtractResult;

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

/**
 * The `_bucket` series of histogram `name` (its base name, without `_bucket`) whose labels match:
 * each with its `le` as a number. A bucket without a readable `le` is skipped and noted.
 */
export function bucketSeries(
  exposition: Exposition,
  name: string,
  matcher: Matcher,
  notes: string[],
): BucketSeries[] {
  const buckets: BucketSeries[] = [];
  let skipped = 0;
  for (const sample of select(exposition, `${name}_bucket`, matcher)) {
    const upperBound = parseValue(sample.labels.le ?? "");
    if (
      upperBound === undefined ||
      Number.isNaN(upperBound) ||
      !Number.isFinite(sample.value) ||
      sample.value < 0
    ) {
      skipped++;
      continue;
    }
    buckets.push({
      key: seriesKey(sample.name, sample.labels),
      value: sample.value,
      upperBound,
      ...(sample.timestampMs === undefined ? {} : { timestampMs: sample.timestampMs }),
    });
  }
  if (skipped > 0) notes.push(`${skipped} ${name}_bucket sample(s) without a usable le or value, ignored`);
  return buckets;
}

/** The highest finite value of the samples, or undefined when none is finite. */
export function maxGauge(samples: readonly Sample[]): number | undefined {
  const values = samples.map((sample) => sample.value).filter((value) => Number.isFinite(value));
  return values.length === 0 ? undefined : Math.max(...values);
}

/**
 * The counter series of `name` when the page has that metric at all (its TYPE line, or a
 * sample): a page without it (an exporter's collector turned off) has no figure rather than 0.
 */
export function mentionedCounter(
  exposition: Exposition,
  name: string,
  matcher: Matcher,
  notes: string[],
): CounterSeries[] | undefined {
  if (!mentions(exposition, name)) return undefined;
  return counterSeries(select(exposition, name, matcher), notes);
}

/** `{ [key]: value }`, or nothing when the value is undefined (exactOptionalPropertyTypes). */
export function defined<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** A 5xx status, or a status class such as `5xx`. */
export const STATUS_5XX = /^5(?:\d\d|xx)$/i;
