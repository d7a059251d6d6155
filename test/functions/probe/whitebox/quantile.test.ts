/**
 * Quantiles from histogram buckets, checked against values computed by hand with Prometheus'
 * histogram_quantile rules (promql/quantile.go), then through the bucket increases of real pages.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Exposition, parseExposition } from "../../../../functions/probe/prometheus/parse.ts";
import {
  type BucketSeries,
  DJANGO_PROMETHEUS_HISTOGRAM,
  DJANGO_PROMETHEUS_METRIC,
  type Extraction,
  extractRequests,
  INGRESS_NGINX_HISTOGRAM,
  INGRESS_NGINX_METRIC,
} from "../../../../functions/probe/whitebox/extract/index.ts";
import {
  computeFigure,
  FIGURE_RULES,
  type FigureRule,
  histogramWindow,
  memoryOf,
  type SourceReading,
  windowsOf,
} from "../../../../functions/probe/whitebox/figures.ts";
import { type Bucket, bucketQuantile } from "../../../../functions/probe/whitebox/quantile.ts";
import { ingressNginxPage, SAMPLES_DIR } from "../../../../support/whitebox.ts";

const INF = Number.POSITIVE_INFINITY;
const buckets = (...pairs: [number, number][]): Bucket[] =>
  pairs.map(([upperBound, count]) => ({ upperBound, count }));

describe("bucketQuantile (Prometheus' histogram_quantile)", () => {
  const layout = buckets([0.1, 50], [0.5, 90], [1, 98], [INF, 100]);

  it("interpolates linearly inside the bucket where the rank falls", () => {
    // p95: rank 95 falls in (0.5, 1] holding 8 observations, 5 of them needed: 0.5 + 0.5 * 5/8.
    expect(bucketQuantile(0.95, layout)).toEqual({
      value: 0.8125,
      observations: 100,
      inInfBucket: false,
      forcedMonotonic: false,
    });
    // p90: rank 90 is exactly the count of (0.1, 0.5]: its upper bound.
    expect(bucketQuantile(0.9, layout).value).toBe(0.5);
  });

  it("starts the lowest bucket at 0 when its upper bound is positive", () => {
    // p50: rank 50 in [0, 0.1] holding 50: 0 + 0.1 * 50/50; p25: 0.1 * 25/50.
    expect(bucketQuantile(0.5, layout).value).toBe(0.1);
    expect(bucketQuantile(0.25, layout).value).toBe(0.05);
  });

  it("returns the lowest bucket's bound when it is not positive", () => {
    const negative = buckets([-1, 5], [0, 8], [1, 10], [INF, 10]);
    expect(bucketQuantile(0.25, negative).value).toBe(-1);
    // rank 7 in (-1, 0] holding 3: -1 + 1 * 2/3.
    expect(bucketQuantile(0.7, negative).value).toBeCloseTo(-1 / 3, 12);
  });

  it("returns the highest finite bound, flagged, when the rank falls in the +Inf bucket", () => {
    const slow = buckets([0.25, 10], [0.5, 20], [INF, 100]);
    expect(bucketQuantile(0.95, slow)).toEqual({
      value: 0.5,
      observations: 100,
      inInfBucket: true,
      forcedMonotonic: false,
    });
    expect(bucketQuantile(0.5, slow)).toMatchObject({ value: 0.5, inInfBucket: true });
    expect(bucketQuantile(0.2, slow)).toMatchObject({ value: 0.5, inInfBucket: false });
  });

  it("sorts the buckets and adds up those with the same bound (several series, unordered)", () => {
    const twoPods = buckets([1, 4], [0.5, 2], [INF, 5], [0.5, 3], [1, 6], [INF, 5]);
    // Merged: 0.5 -> 5, 1 -> 10, +Inf -> 10. p95: rank 9.5 in (0.5, 1] holding 5: 0.5 + 0.5 * 4.5/5.
    expect(bucketQuantile(0.95, twoPods).value).toBeCloseTo(0.95, 12);
    expect(bucketQuantile(0.5, twoPods).value).toBe(0.5);
  });

  it("raises a count lower than a lower bucket's to it, and says so", () => {
    const broken = buckets([0.1, 10], [0.2, 8], [0.4, 20], [INF, 20]);
    // 0.2 is raised to 10; p75: rank 15 in (0.2, 0.4] holding 10: 0.2 + 0.2 * 5/10.
    expect(bucketQuantile(0.75, broken)).toMatchObject({ forcedMonotonic: true });
    expect(bucketQuantile(0.75, broken).value).toBeCloseTo(0.3, 12);
  });

  it("treats counts that differ by float noise only as equal", () => {
    const noisy = buckets([0.1, 1e15], [0.2, 1e15 + 0.125], [INF, 1e15 + 0.125]);
    // Without the correction the rank of p100 would fall in (0.1, 0.2].
    expect(bucketQuantile(1, noisy)).toMatchObject({ value: 0.1, forcedMonotonic: false });
  });

  it("has no quantile without observations, without a +Inf bucket, or with a single bucket", () => {
    expect(bucketQuantile(0.5, buckets([0.1, 0], [INF, 0]))).toEqual({ reason: "no-observations" });
    expect(bucketQuantile(0.5, buckets([0.1, 3], [1, 5]))).toEqual({ reason: "no-inf-bucket" });
    expect(bucketQuantile(0.5, buckets([INF, 5]))).toEqual({ reason: "too-few-buckets" });
    expect(bucketQuantile(0.5, [])).toEqual({ reason: "no-inf-bucket" });
    expect(() => bucketQuantile(1.5, layout)).toThrow(RangeError);
  });
});

const bucketSeries = (pod: string, le: number, value: number): BucketSeries => ({
  key: `${pod} ${le}`,
  value,
  upperBound: le,
});

describe("bucket increases over the interval", () => {
  it("takes each bucket series' increase, a restarted pod counting from zero, and sums per bound", () => {
    const previous = memoryOf(
      {
        gauges: {},
        counters: {},
        histograms: {
          responseTime: [
            bucketSeries("a", 0.1, 10),
            bucketSeries("a", 1, 20),
            bucketSeries("a", INF, 20),
            bucketSeries("b", 0.1, 100),
            bucketSeries("b", 1, 150),
            bucketSeries("b", INF, 160),
          ],
        },
        notes: [],
      },
      0,
    );
    const now = [
      bucketSeries("a", 0.1, 30),
      bucketSeries("a", 1, 50),
      bucketSeries("a", INF, 60),
      // Pod b restarted: its buckets start again from zero.
      bucketSeries("b", 0.1, 2),
      bucketSeries("b", 1, 6),
      bucketSeries("b", INF, 10),
    ];
    const window = histogramWindow(now, previous, 60_000);
    expect(window).toEqual({
      buckets: buckets([0.1, 22], [1, 36], [INF, 50]),
      based: true,
      withPrevious: 6,
      newSeries: 0,
      resets: 3,
    });
    // p50: rank 25 in (0.1, 1] holding 14, 3 of them needed.
    expect(bucketQuantile(0.5, window.buckets).value).toBeCloseTo(0.1 + 0.9 * (3 / 14), 12);
    expect(bucketQuantile(0.95, window.buckets)).toMatchObject({ value: 1, inInfBucket: true });
  });

  it("has no window without a previous sample, and counts new bucket series as baselines", () => {
    expect(histogramWindow([bucketSeries("a", INF, 5)], undefined, 0)).toMatchObject({
      based: false,
      newSeries: 1,
    });
    const previous = memoryOf(
      { gauges: {}, counters: {}, histograms: { responseTime: [bucketSeries("a", INF, 5)] }, notes: [] },
      0,
    );
    expect(histogramWindow([bucketSeries("a", INF, 9), bucketSeries("a", 0.5, 4)], previous, 1_000)).toEqual({
      buckets: buckets([INF, 4]),
      based: true,
      withPrevious: 1,
      newSeries: 1,
      resets: 0,
    });
  });
});

function parse(text: string): Exposition {
  const result = parseExposition(text);
  if (!result.ok) throw new Error(`line ${result.line}: ${result.error}`);
  return result.exposition;
}

const backendIngress = extractRequests({
  metric: INGRESS_NGINX_METRIC,
  statusLabel: "status",
  histogram: INGRESS_NGINX_HISTOGRAM,
  match: [{ labels: ["ingress"], value: "meet-backend" }],
});

function extracted(page: string): Extraction {
  const result = backendIngress(parse(page));
  if (!result.ok) throw new Error(result.error);
  return result.extraction;
}

function rule(metric: string): FigureRule {
  const found = FIGURE_RULES.backend.find((candidate) => candidate.metric === metric);
  if (!found) throw new Error(`no rule for ${metric}`);
  return found;
}

function reading(now: Extraction, before: Extraction | undefined): SourceReading {
  const windows = windowsOf(now, before ? memoryOf(before, 0) : undefined, 60_000);
  return { extraction: now, windows: windows.counters, histograms: windows.histograms, first: !before };
}

describe("ResponseTimeP50 and ResponseTimeP95 from ingress-nginx's request_duration_seconds", () => {
  const page = (backend: [string, number][], frontend: [string, number][] = []) =>
    ingressNginxPage({ backend: { "200": 1 }, frontend: { "200": 1 }, durations: { backend, frontend } });

  it("interpolates the backend Ingress' bucket increases in milliseconds, never the frontend's", () => {
    const before = extracted(
      page(
        [
          ["0.1", 100],
          ["0.25", 180],
          ["1", 195],
          ["+Inf", 200],
        ],
        [
          ["0.1", 0],
          ["10", 0],
        ],
      ),
    );
    // Over the minute: 100 requests, 40 up to 0.1 s, 90 up to 0.25 s, 98 up to 1 s, 2 slower;
    // the frontend's 500 slow requests must not move anything.
    const now = extracted(
      page(
        [
          ["0.1", 140],
          ["0.25", 270],
          ["1", 293],
          ["+Inf", 300],
        ],
        [
          ["0.1", 0],
          ["10", 500],
        ],
      ),
    );
    const current = reading(now, before);
    // p50: rank 50 in (0.1, 0.25] holding 50, 10 needed: 100 + 150 * 10/50 ms.
    expect(computeFigure(rule("ResponseTimeP50"), [current], 1)).toEqual({ value: 130, sources: 1 });
    // p95: rank 95 in (0.25, 1] holding 8, 5 needed: 250 + 750 * 5/8 ms.
    expect(computeFigure(rule("ResponseTimeP95"), [current], 1)).toEqual({ value: 718.75, sources: 1 });
  });

  it("publishes the highest finite bound with a note when p95 is in the +Inf bucket", () => {
    const before = extracted(
      page([
        ["0.5", 10],
        ["1", 10],
        ["+Inf", 10],
      ]),
    );
    const now = extracted(
      page([
        ["0.5", 20],
        ["1", 30],
        ["+Inf", 110],
      ]),
    );
    expect(computeFigure(rule("ResponseTimeP95"), [reading(now, before)], 1)).toEqual({
      value: 1000,
      sources: 1,
      note: "above the highest finite bucket: 1000 is that bucket's bound, a lower bound of the true value",
    });
  });

  it("counts a restarted controller's buckets from zero (Prometheus' reset rule)", () => {
    const before = extracted(
      page([
        ["0.1", 5000],
        ["1", 9000],
      ]),
    );
    const now = extracted(
      page([
        ["0.1", 30],
        ["1", 40],
      ]),
    );
    // After the restart: 30 up to 0.1 s, 40 in all; p50: rank 20 in [0, 0.1] holding 30.
    const outcome = computeFigure(rule("ResponseTimeP50"), [reading(now, before)], 1);
    expect(outcome.value).toBeCloseTo((100 * 20) / 30, 9);
  });

  it("publishes nothing on the first sample, or for an interval without requests", () => {
    const sample = extracted(
      page([
        ["0.1", 5],
        ["1", 9],
      ]),
    );
    expect(computeFigure(rule("ResponseTimeP95"), [reading(sample, undefined)], 1)).toEqual({
      reason: "first sample: the rate starts with the next cycle",
    });
    expect(computeFigure(rule("ResponseTimeP95"), [reading(sample, sample)], 1)).toEqual({
      reason: "no requests in the interval",
    });
  });

  it("says so when the page has no such histogram", () => {
    const bare = `${["# TYPE nginx_ingress_controller_requests counter", 'nginx_ingress_controller_requests{ingress="meet-backend",status="200"} 5'].join("\n")}\n`;
    const now = extracted(bare);
    expect(now.notes).toContain(`no ${INGRESS_NGINX_HISTOGRAM}_bucket in the page: no response time figures`);
    expect(computeFigure(rule("ResponseTimeP95"), [reading(now, now)], 1)).toEqual({
      reason: "no response-time histogram in the page (see the source's notes)",
    });
  });
});

describe("ResponseTimeP50 and ResponseTimeP95 from django-prometheus' real page", () => {
  it("reads the latency of every request (middlewares included) from django-prometheus 2.2", () => {
    const django = extractRequests({
      metric: DJANGO_PROMETHEUS_METRIC,
      statusLabel: "status",
      histogram: DJANGO_PROMETHEUS_HISTOGRAM,
      match: [],
    });
    const result = django(parse(readFileSync(`${SAMPLES_DIR}/django-prometheus-2.2.txt`, "utf8")));
    if (!result.ok) throw new Error(result.error);
    const buckets = result.extraction.histograms?.responseTime ?? [];
    expect(buckets.map((bucket) => bucket.upperBound).at(-1)).toBe(INF);
    expect(buckets.every((bucket) => bucket.value === 200)).toBe(true);
    // The same page with every bucket at 0 before: the 200 requests all took at most 5 ms.
    const zero = memoryOf(
      { ...result.extraction, histograms: { responseTime: buckets.map((b) => ({ ...b, value: 0 })) } },
      0,
    );
    const windows = windowsOf(result.extraction, zero, 60_000);
    const now: SourceReading = {
      extraction: result.extraction,
      windows: windows.counters,
      histograms: windows.histograms,
      first: false,
    };
    // p95: rank 190 in [0, 0.005] holding 200.
    expect(computeFigure(rule("ResponseTimeP95"), [now], 1).value).toBeCloseTo(4.75, 9);
  });
});
