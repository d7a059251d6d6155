/**
 * Quantiles from classic (cumulative) histogram buckets, the way Prometheus' histogram_quantile
 * computes them (promql/quantile.go, bucketQuantile): buckets sorted by upper bound, equal bounds
 * merged, float noise and non-monotonic counts smoothed out, then linear interpolation inside the
 * bucket where the rank falls. Pure; the buckets given here are increases over an interval.
 */

export interface Bucket {
  /** The bucket's `le`; the last bucket must be +Inf. */
  readonly upperBound: number;
  /** Observations at or below the upper bound (cumulative). */
  readonly count: number;
}

export type QuantileResult =
  | {
      readonly value: number;
      /** Observations in the histogram (the +Inf bucket's count). */
      readonly observations: number;
      /**
       * The rank fell in the +Inf bucket: the value is the highest finite upper bound, a lower
       * bound of the truth.
       */
      readonly inInfBucket: boolean;
      /** Some bucket counted fewer observations than a lower one, and was raised to it. */
      readonly forcedMonotonic: boolean;
    }
  | { readonly value?: undefined; readonly reason: "no-observations" | "no-inf-bucket" | "too-few-buckets" };

/** Relative difference under which two counts are the same number (float noise), as in Prometheus. */
const PRECISION_TOLERANCE = 1e-12;

/** The q-quantile (0 <= q <= 1) of the buckets. */
export function bucketQuantile(q: number, input: readonly Bucket[]): QuantileResult {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is not between 0 and 1`);
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  const last = sorted.at(-1);
  if (last === undefined || last.upperBound !== Number.POSITIVE_INFINITY) return { reason: "no-inf-bucket" };
  const buckets = coalesce(sorted);
  correctPrecisionErrors(buckets);
  const forcedMonotonic = ensureMonotonic(buckets);
  if (buckets.length < 2) return { reason: "too-few-buckets" };
  const observations = buckets[buckets.length - 1]?.count ?? 0;
  if (observations === 0) return { reason: "no-observations" };

  let rank = q * observations;
  // The first bucket (the +Inf one excluded from the search) whose count reaches the rank.
  let index = buckets.findIndex((bucket, i) => i < buckets.length - 1 && bucket.count >= rank);
  if (index === -1) index = buckets.length - 1;
  const result = (value: number, inInfBucket = false): QuantileResult => ({
    value,
    observations,
    inInfBucket,
    forcedMonotonic,
  });
  if (index === buckets.length - 1) return result(bucketAt(buckets, buckets.length - 2).upperBound, true);
  const bucket = bucketAt(buckets, index);
  if (index === 0 && bucket.upperBound <= 0) return result(bucket.upperBound);
  // The lowest bucket starts at 0 when its upper bound is positive.
  let start = 0;
  let count = bucket.count;
  if (index > 0) {
    const previous = bucketAt(buckets, index - 1);
    start = previous.upperBound;
    count -= previous.count;
    rank -= previous.count;
  }
  return result(start + (bucket.upperBound - start) * (rank / count));
}

interface MutableBucket {
  upperBound: number;
  count: number;
}

function bucketAt(buckets: readonly MutableBucket[], index: number): MutableBucket {
  const bucket = buckets[index];
  if (bucket === undefined) throw new RangeError(`no bucket ${index}`);
  return bucket;
}

/** Sorted buckets with equal upper bounds merged (their counts added), as copies. */
function coalesce(sorted: readonly Bucket[]): MutableBucket[] {
  const merged: MutableBucket[] = [];
  for (const bucket of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && last.upperBound === bucket.upperBound) last.count += bucket.count;
    else merged.push({ upperBound: bucket.upperBound, count: bucket.count });
  }
  return merged;
}

/** Counts that differ from the previous one by float noise only become equal to it. */
function correctPrecisionErrors(buckets: MutableBucket[]): void {
  let previous = bucketAt(buckets, 0).count;
  for (let i = 1; i < buckets.length; i++) {
    const bucket = bucketAt(buckets, i);
    const delta = Math.abs(bucket.count - previous);
    if (delta === 0) continue;
    if (delta / bucket.count <= PRECISION_TOLERANCE) bucket.count = previous;
    else previous = bucket.count;
  }
}

/** Raises any count lower than a lower bucket's to that count (the histogram's envelope). */
function ensureMonotonic(buckets: MutableBucket[]): boolean {
  let forced = false;
  let max = bucketAt(buckets, 0).count;
  for (let i = 1; i < buckets.length; i++) {
    const bucket = bucketAt(buckets, i);
    if (bucket.count > max) max = bucket.count;
    else if (bucket.count < max) {
      bucket.count = max;
      forced = true;
    }
  }
  return forced;
}
