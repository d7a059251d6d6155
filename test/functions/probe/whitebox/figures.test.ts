import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Exposition, parseExposition } from "../../../../functions/probe/prometheus/parse.ts";
import {
  type CounterSeries,
  DJANGO_PROMETHEUS_METRIC,
  type Extraction,
  extractGarage,
  extractLivekit,
  extractPostgres,
  extractRequests,
  INGRESS_NGINX_METRIC,
} from "../../../../functions/probe/whitebox/extract/index.ts";
import {
  computeFigure,
  counterWindow,
  FIGURE_RULES,
  type FigureRule,
  memoryOf,
  type SourceMemory,
  type SourceReading,
  sourceWindows,
} from "../../../../functions/probe/whitebox/figures.ts";
import {
  djangoPage,
  garagePage,
  ingressNginxPage,
  livekitNode,
  livekitPage,
  SAMPLES_DIR,
} from "../../../../support/whitebox.ts";

function parse(text: string): Exposition {
  const result = parseExposition(text);
  if (!result.ok) throw new Error(`line ${result.line}: ${result.error}`);
  return result.exposition;
}

function extraction(result: ReturnType<typeof extractLivekit>): Extraction {
  if (!result.ok) throw new Error(result.error);
  return result.extraction;
}

function memory(entries: [string, number, number][]): SourceMemory {
  return { series: new Map(entries.map(([key, value, atMs]) => [key, { value, atMs }])) };
}

const series = (key: string, value: number, timestampMs?: number): CounterSeries => ({
  key,
  value,
  ...(timestampMs === undefined ? {} : { timestampMs }),
});

describe("counter windows (Prometheus' reset rule)", () => {
  it("has no rate without a previous sample", () => {
    expect(counterWindow([series("a", 10)], undefined, 60_000)).toMatchObject({ based: false, newSeries: 1 });
  });

  it("takes the increase over the time between the two samples", () => {
    const window = counterWindow(
      [series("a", 160), series("b", 50)],
      memory([
        ["a", 100, 0],
        ["b", 20, 0],
      ]),
      60_000,
    );
    expect(window).toEqual({
      increase: 90,
      rate: 1.5,
      maxRate: 1,
      based: true,
      withPrevious: 2,
      newSeries: 0,
      newIncrease: 0,
      resets: 0,
    });
  });

  it("takes the new value as the increase when a counter went down (the process restarted)", () => {
    const window = counterWindow(
      [series("a", 30), series("b", 80)],
      memory([
        ["a", 1000, 0],
        ["b", 20, 0],
      ]),
      30_000,
    );
    expect(window).toEqual({
      increase: 30 + 60,
      rate: 3,
      maxRate: 2,
      based: true,
      withPrevious: 2,
      newSeries: 0,
      newIncrease: 0,
      resets: 1,
    });
  });

  it("uses the page's own timestamps when it has them, per series", () => {
    const window = counterWindow(
      [series("a", 20, 20_000), series("b", 40, 50_000)],
      memory([
        ["a", 10, 10_000],
        ["b", 10, 20_000],
      ]),
      999_999,
    );
    expect(window.increase).toBe(40);
    expect(window.rate).toBeCloseTo(10 / 10 + 30 / 30);
  });

  it("ignores a series whose sample did not move forward in time", () => {
    const window = counterWindow([series("a", 20, 10_000)], memory([["a", 10, 10_000]]), 60_000);
    expect(window).toMatchObject({ increase: 0, based: false });
  });

  it("counts a new series as a baseline only, and is not based when every series is new", () => {
    const some = counterWindow([series("a", 110), series("new", 500)], memory([["a", 100, 0]]), 10_000);
    expect(some).toMatchObject({ increase: 10, rate: 1, based: true, newSeries: 1 });
    const allNew = counterWindow([series("x", 500)], memory([["a", 100, 0]]), 10_000);
    expect(allNew).toMatchObject({ increase: 0, based: false, newSeries: 1 });
  });

  it("is based with zero when the counter has no series at all (nothing happened)", () => {
    expect(counterWindow([], memory([]), 10_000)).toMatchObject({ increase: 0, rate: 0, based: true });
  });

  it("remembers every counter series of a page", () => {
    const kept = memoryOf(
      { gauges: {}, counters: { requests: [series("a", 1), series("b", 2, 5)], nacks: [] }, notes: [] },
      7,
    );
    expect([...kept.series]).toEqual([
      ["a", { value: 1, atMs: 7 }],
      ["b", { value: 2, atMs: 5 }],
    ]);
  });
});

function reading(extracted: Extraction, previous: SourceMemory | undefined, atMs: number): SourceReading {
  return {
    extraction: extracted,
    windows: sourceWindows(extracted, previous, atMs),
    first: previous === undefined,
  };
}

describe("source windows", () => {
  const page = (counters: Extraction["counters"]): Extraction => ({ gauges: {}, counters, notes: [] });

  it("treats a counter whose series are all new as a zero increase while the page continues", () => {
    const windows = sourceWindows(
      page({ nacks: [series("n", 20)], webhookFailures: [series("f", 4)] }),
      memory([["n", 10, 0]]),
      10_000,
    );
    expect(windows.nacks).toMatchObject({ increase: 10, based: true });
    expect(windows.webhookFailures).toMatchObject({ increase: 0, based: true, newSeries: 1 });
  });

  it("has no rate when no series of the page has a previous sample (restarted under a new node_id)", () => {
    const windows = sourceWindows(
      page({ nacks: [series("n2", 20)], webhookFailures: [] }),
      memory([["n1", 10, 0]]),
      10_000,
    );
    expect(windows.nacks?.based).toBe(false);
    expect(windows.webhookFailures?.based).toBe(false);
    expect(computeFigure(rule("NackRate"), [{ extraction: page({}), windows, first: false }], 1)).toEqual({
      reason: "every series is new (restarted under a new identity?): the rate starts with the next cycle",
    });
  });
});

function rule(metric: string): FigureRule {
  const found = Object.values(FIGURE_RULES)
    .flat()
    .find((r) => r.metric === metric);
  if (!found) throw new Error(metric);
  return found;
}

describe("LiveKit figures", () => {
  const before = [
    livekitNode("ND_one", {
      packetsIn: { initial: 10_000, retransmit: 50 },
      lossIn: { audio: 10, video: 20 },
      bytesIn: { initial: 1_000_000, retransmit: 5_000 },
      bytesOut: { initial: 3_000_000, retransmit: 10_000 },
      nacks: { incoming: 100, outgoing: 40 },
      webhooks: { success: 10, failure: 2 },
    }),
    livekitNode("ND_two", {
      packetsIn: { initial: 90_000, retransmit: 0 },
      lossIn: { audio: 500, video: 500 },
      bytesIn: { initial: 8_000_000, retransmit: 0 },
      bytesOut: { initial: 9_000_000, retransmit: 0 },
      nacks: { incoming: 7_000, outgoing: 0 },
    }),
  ];
  // 60 s later: node one kept going; node two restarted (every counter started again from 0).
  const after = [
    livekitNode("ND_one", {
      rooms: 2,
      participants: 7,
      published: { audio: 5, video: 4 },
      subscribed: { audio: 20, video: 12 },
      packetsIn: { initial: 16_000, retransmit: 80 },
      lossIn: { audio: 40, video: 50 },
      bytesIn: { initial: 1_600_000, retransmit: 5_600 },
      bytesOut: { initial: 4_200_000, retransmit: 10_000 },
      nacks: { incoming: 160, outgoing: 100 },
      webhooks: { success: 12, failure: 5 },
    }),
    livekitNode("ND_two", {
      rooms: 1,
      participants: 2,
      published: { audio: 2, video: 0 },
      subscribed: { audio: 2, video: 0 },
      packetsIn: { initial: 3_000, retransmit: 0 },
      lossIn: { audio: 30, video: 0 },
      bytesIn: { initial: 300_000, retransmit: 0 },
      bytesOut: { initial: 600_000, retransmit: 0 },
      nacks: { incoming: 120, outgoing: 0 },
      webhooks: { success: 1, failure: 1 },
    }),
  ];
  const figures = () => {
    const readings = after.map((node, index) => {
      const previousPage = before[index];
      if (!previousPage) throw new Error("no page");
      const previous = memoryOf(extraction(extractLivekit(parse(livekitPage(previousPage)))), 0);
      return reading(extraction(extractLivekit(parse(livekitPage(node)))), previous, 60_000);
    });
    return Object.fromEntries(
      FIGURE_RULES.livekit.map((r) => [r.metric, computeFigure(r, readings, readings.length)]),
    );
  };

  it("sums the gauges (their _total suffix notwithstanding) over the nodes", () => {
    const result = figures();
    expect(result.Rooms).toEqual({ value: 3, sources: 2 });
    expect(result.Participants).toEqual({ value: 9, sources: 2 });
    expect(result.PublishedTracks).toEqual({ value: 11, sources: 2 });
    expect(result.SubscribedTracks).toEqual({ value: 34, sources: 2 });
  });

  it("computes packet loss over incoming initial packets of both nodes, across the restart", () => {
    // Node one: lost 30 + 30 = 60 of 6000; node two restarted: lost 30 of 3000.
    expect(figures().PacketLoss).toEqual({ value: (100 * 90) / 9_000, sources: 2 });
  });

  it("turns NACKs, bytes and webhook failures into per-second rates and interval counts", () => {
    const result = figures();
    // Nacks: one +60 +60, two restarted 120 + 0 -> 240 in 60 s.
    expect(result.NackRate?.value).toBeCloseTo(240 / 60);
    // Incoming bytes, initial and retransmit: one +600000 +600, two restarted 300000.
    expect(result.BytesIn?.value).toBeCloseTo((600_000 + 600 + 300_000) / 60);
    expect(result.BytesOut?.value).toBeCloseTo((1_200_000 + 600_000) / 60);
    // Failures: one +3; two restarted with 1 in a series new on two: LiveKit creates a failure
    // series at its first failure, so its whole value counts rather than being a baseline.
    expect(result.WebhookFailures).toEqual({ value: 4, sources: 2 });
  });

  it("publishes no rate without a previous sample, but the gauges at once", () => {
    const readings = after.map((node) =>
      reading(extraction(extractLivekit(parse(livekitPage(node)))), undefined, 0),
    );
    const outcome = (metric: string) => computeFigure(rule(metric), readings, 2);
    expect(outcome("Rooms")).toEqual({ value: 3, sources: 2 });
    for (const metric of ["PacketLoss", "NackRate", "BytesIn", "BytesOut", "WebhookFailures"]) {
      expect(outcome(metric)).toEqual({ reason: "first sample: the rate starts with the next cycle" });
    }
  });

  it("has no packet loss when no packet came in, rather than 0 %", () => {
    const idle = livekitNode("ND_one");
    const previous = memoryOf(extraction(extractLivekit(parse(livekitPage(idle)))), 0);
    const now = reading(extraction(extractLivekit(parse(livekitPage(idle)))), previous, 60_000);
    expect(computeFigure(rule("PacketLoss"), [now], 1)).toEqual({
      reason: "no incoming packets in the interval",
    });
    expect(computeFigure(rule("NackRate"), [now], 1)).toEqual({ value: 0, sources: 1 });
  });

  it("covers the nodes that could be read when one could not", () => {
    const readings = [
      reading(extraction(extractLivekit(parse(livekitPage(after[0] ?? livekitNode("x"))))), undefined, 0),
    ];
    expect(computeFigure(rule("Rooms"), readings, 2)).toEqual({ value: 2, sources: 1 });
    expect(computeFigure(rule("Rooms"), [], 2)).toEqual({ reason: "none of the 2 sources could be read" });
  });

  it("refuses a page that is not LiveKit's", () => {
    expect(extractLivekit(parse("go_goroutines 3\n"))).toEqual({
      ok: false,
      error: expect.stringContaining("no livekit_room_total in the page"),
    });
  });
});

describe("Garage figures", () => {
  const node = (prefixed: boolean, overrides: Partial<Parameters<typeof garagePage>[0]> = {}) =>
    extraction(
      extractGarage(
        parse(
          garagePage({
            prefixed,
            dataAvail: 30,
            dataTotal: 100,
            metaAvail: 1,
            metaTotal: 100,
            healthy: 1,
            requests: { GetObject: 1000, PutObject: 200 },
            errors: { "GetObject 404": 50, "PutObject 503": 2 },
            ...overrides,
          }),
        ),
      ),
    );

  it("reads both spellings of every metric", () => {
    for (const prefixed of [false, true]) {
      const result = node(prefixed);
      expect(result.gauges).toEqual({ diskFreePercent: 30, clusterHealthy: 1 });
      expect(result.counters.s3Requests).toHaveLength(2);
      expect(result.counters.s3Errors5xx?.map((s) => s.value)).toEqual([2]);
    }
  });

  it("takes the data volume of the fullest node and the lowest cluster_healthy", () => {
    const readings = [
      reading(node(false, { dataAvail: 45, dataTotal: 50, healthy: 1 }), undefined, 0),
      reading(node(true, { dataAvail: 15, dataTotal: 100, healthy: 0 }), undefined, 0),
    ];
    expect(computeFigure(rule("DiskFreePercent"), readings, 2)).toEqual({ value: 15, sources: 2 });
    expect(computeFigure(rule("ClusterHealthy"), readings, 2)).toEqual({ value: 0, sources: 2 });
  });

  it("computes the S3 5xx percentage over the interval (404s are not server errors)", () => {
    const previous = memoryOf(node(true), 0);
    const now = reading(
      node(true, {
        requests: { GetObject: 1300, PutObject: 300 },
        errors: { "GetObject 404": 90, "PutObject 503": 6, "GetObject 500": 4 },
      }),
      previous,
      60_000,
    );
    // 400 requests; 5xx: PutObject 503 +4; GetObject 500 is new (baseline only).
    expect(computeFigure(rule("S3ErrorRate"), [now], 1)).toEqual({ value: 1, sources: 1 });
  });

  it("says so when the data volume is missing", () => {
    const result = extraction(extractGarage(parse("cluster_healthy 1\n")));
    expect(result.gauges).toEqual({ clusterHealthy: 1 });
    expect(result.notes).toEqual(['no usable local_disk_avail/local_disk_total{volume="data"} pair']);
    expect(extractGarage(parse("up 1\n")).ok).toBe(false);
  });
});

describe("backend request figures", () => {
  it("computes ErrorRate and RequestRate from the real django-prometheus page", () => {
    const extract = extractRequests({ metric: DJANGO_PROMETHEUS_METRIC, statusLabel: "status", match: [] });
    const real = extraction(extract(parse(readFileSync(`${SAMPLES_DIR}/django-prometheus-2.2.txt`, "utf8"))));
    expect(real.counters.requests?.map((s) => s.value).sort()).toEqual([194, 3, 3].sort());
    // From a cold process (every counter at zero, as django-prometheus starts) to the real page.
    const zero = extraction(extract(parse(djangoPage({ "200": 0, "500": 0, "404": 0 }))));
    const now = reading(real, memoryOf(zero, 0), 100_000);
    expect(computeFigure(rule("ErrorRate"), [now], 1)).toEqual({ value: 1.5, sources: 1 });
    expect(computeFigure(rule("RequestRate"), [now], 1)).toEqual({ value: 2, sources: 1 });
  });

  it("counts only the configured Ingress and namespace of ingress-nginx, and 5xx only", () => {
    const extract = extractRequests({
      metric: INGRESS_NGINX_METRIC,
      statusLabel: "status",
      match: [
        { labels: ["ingress"], value: "meet-backend" },
        { labels: ["exported_namespace", "namespace"], value: "meet" },
      ],
    });
    const page = (backend: Record<string, number>) =>
      extraction(
        extract(
          parse(
            ingressNginxPage({
              backend,
              frontend: { "200": 5000, "502": 900 },
              otherNamespace: { "500": 7000 },
            }),
          ),
        ),
      );
    const previous = memoryOf(page({ "200": 1000, "404": 10, "500": 5 }), 0);
    const now = reading(page({ "200": 1950, "404": 30, "500": 35 }), previous, 60_000);
    // 950 + 20 + 30 = 1000 requests, 30 of them 5xx.
    expect(computeFigure(rule("ErrorRate"), [now], 1)).toEqual({ value: 3, sources: 1 });
    expect(computeFigure(rule("RequestRate"), [now], 1).value).toBeCloseTo(1000 / 60);
  });

  it("accepts status classes (ingress-nginx --report-status-classes) and Prometheus' exported_namespace", () => {
    const extract = extractRequests({
      metric: "nginx_ingress_controller_requests",
      statusLabel: "status",
      match: [{ labels: ["exported_namespace", "namespace"], value: "meet" }],
    });
    const page = (ok: number, bad: number) =>
      extraction(
        extract(
          parse(
            `nginx_ingress_controller_requests{exported_namespace="meet",namespace="monitoring",status="2xx"} ${ok}\n` +
              `nginx_ingress_controller_requests{exported_namespace="meet",namespace="monitoring",status="5xx"} ${bad}\n` +
              `nginx_ingress_controller_requests{exported_namespace="other",namespace="meet",status="5xx"} 999\n`,
          ),
        ),
      );
    const now = reading(page(190, 10), memoryOf(page(100, 0), 0), 10_000);
    expect(computeFigure(rule("ErrorRate"), [now], 1)).toEqual({ value: 10, sources: 1 });
  });

  it("notes a filter that matches nothing, and has no error rate without requests", () => {
    const extract = extractRequests({
      metric: INGRESS_NGINX_METRIC,
      statusLabel: "status",
      match: [{ labels: ["ingress"], value: "typo" }],
    });
    const page = extraction(extract(parse(ingressNginxPage({ backend: { "200": 1 }, frontend: {} }))));
    expect(page.notes).toEqual(['no nginx_ingress_controller_requests series match ingress="typo" (yet)']);
    const now = reading(page, memoryOf(page, 0), 60_000);
    expect(computeFigure(rule("ErrorRate"), [now], 1)).toEqual({ reason: "no requests in the interval" });
    expect(computeFigure(rule("RequestRate"), [now], 1)).toEqual({ value: 0, sources: 1 });
  });

  it("fails a page without the configured metric", () => {
    const extract = extractRequests({ metric: "my_requests_total", statusLabel: "code", match: [] });
    expect(extract(parse("other 1\n"))).toEqual({
      ok: false,
      error: expect.stringContaining("no my_requests_total in the page"),
    });
  });
});

describe("database figure", () => {
  it("counts every state of every database over max_connections (the real exporter page)", () => {
    const result = extraction(
      extractPostgres(parse(readFileSync(`${SAMPLES_DIR}/postgres-exporter-0.11.txt`, "utf8"))),
    );
    expect(result.gauges.connectionsPercent).toBe(12); // 6 of 50
  });

  it("publishes the server closest to its limit when the exporter watches several", () => {
    const result = extraction(
      extractPostgres(
        parse(
          [
            'pg_settings_max_connections{server="a:5432"} 100',
            'pg_settings_max_connections{server="b:5432"} 20',
            'pg_stat_activity_count{datname="meet",server="a:5432",state="idle"} 30',
            'pg_stat_activity_count{datname="meet",server="b:5432",state="active"} 9',
            'pg_stat_activity_count{datname="meet",server="b:5432",state="idle"} 8',
            "pg_up 1",
          ].join("\n"),
        ),
      ),
    );
    expect(result.gauges.connectionsPercent).toBe(85);
    expect(result.notes).toEqual(['2 servers; the highest (server "b:5432") is published']);
  });

  it("fails when the exporter cannot reach PostgreSQL or lacks the series", () => {
    expect(extractPostgres(parse("pg_up 0\n"))).toEqual({
      ok: false,
      error: "pg_up is 0: the exporter cannot connect to PostgreSQL",
    });
    expect(extractPostgres(parse('pg_up 1\npg_stat_activity_count{state="idle"} 1\n')).ok).toBe(false);
    expect(extractPostgres(parse("pg_up 1\npg_settings_max_connections 100\n")).ok).toBe(false);
  });
});
