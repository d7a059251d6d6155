import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type Exposition,
  mentions,
  parseExposition,
  parseValue,
  type Sample,
  seriesKey,
} from "../../../../functions/probe/prometheus/parse.ts";
import { SAMPLES_DIR } from "../../../../support/whitebox.ts";

function parse(text: string): Exposition {
  const result = parseExposition(text);
  if (!result.ok) throw new Error(`line ${result.line}: ${result.error}`);
  return result.exposition;
}

function only(text: string): Sample {
  const { samples } = parse(text);
  expect(samples).toHaveLength(1);
  const [sample] = samples;
  if (!sample) throw new Error("no sample");
  return sample;
}

function failure(text: string): { line: number; error: string } {
  const result = parseExposition(text);
  if (result.ok) throw new Error(`expected a parse error for ${JSON.stringify(text)}`);
  return result;
}

describe("Prometheus text format parser", () => {
  it("reads names, labels, values and timestamps", () => {
    expect(only('http_requests_total{method="post",code="200"} 1027 1395066363000')).toEqual({
      name: "http_requests_total",
      labels: { method: "post", code: "200" },
      value: 1027,
      timestampMs: 1395066363000,
    });
    expect(only("metric_without_labels 12.47")).toEqual({
      name: "metric_without_labels",
      labels: {},
      value: 12.47,
    });
    expect(only("colon:in:name_total 3").name).toBe("colon:in:name_total");
    expect(only("negative_ts 1 -1395066363000").timestampMs).toBe(-1395066363000);
  });

  it("accepts a timestamp with a leading + (the format reads it with Go's strconv.ParseInt)", () => {
    expect(only("a 1 +1700000000000").timestampMs).toBe(1_700_000_000_000);
    expect(only('b{x="y"} 2 +0').timestampMs).toBe(0);
  });

  it("unescapes label values: backslash, double quote and newline", () => {
    const sample = only(
      String.raw`msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9`,
    );
    expect(sample.labels).toEqual({ path: "C:\\DIR\\FILE.TXT", error: 'Cannot find file:\n"FILE.TXT"' });
    expect(sample.value).toBe(1458255915);
    // A value ending in an escaped backslash, then more labels.
    expect(only(String.raw`m{a="x\\",b="}{,=\" "} 1`).labels).toEqual({ a: "x\\", b: '}{,=" ' });
    // Unknown escapes are kept as they are, as Prometheus does.
    expect(only(String.raw`m{a="\t"} 1`).labels).toEqual({ a: "\\t" });
  });

  it("reads NaN, +Inf, -Inf and Go float spellings", () => {
    expect(only("m NaN").value).toBeNaN();
    expect(only("m +Inf").value).toBe(Number.POSITIVE_INFINITY);
    expect(only("m -Inf").value).toBe(Number.NEGATIVE_INFINITY);
    expect(parseValue("Inf")).toBe(Number.POSITIVE_INFINITY);
    expect(parseValue("-infinity")).toBe(Number.NEGATIVE_INFINITY);
    expect(parseValue("nan")).toBeNaN();
    expect(parseValue("1e+07")).toBe(1e7);
    expect(parseValue("4.8508928e+07")).toBe(48508928);
    expect(parseValue("-0.5")).toBe(-0.5);
    expect(parseValue(".5")).toBe(0.5);
    expect(parseValue("5.")).toBe(5);
    expect(parseValue("+3")).toBe(3);
    for (const bad of ["", "0x10", "1,5", "abc", "1e", "--1", "Infinit", "+NaN", "1_000"]) {
      expect(parseValue(bad), bad).toBeUndefined();
    }
  });

  it("reads HELP and TYPE lines, ignores other comments, blank lines and CRLF endings", () => {
    const exposition = parse(
      [
        "# A free comment that mentions TYPE and HELP",
        "#",
        "# HELP api_http_requests_total The total number of HTTP requests.\\nSecond line \\\\ done",
        "# TYPE api_http_requests_total counter",
        "",
        "   ",
        'api_http_requests_total{method="post"} 1027',
        "\t# TYPE other gauge\t",
        "other 2",
        "#HELP nospace Still metadata.",
        "",
      ].join("\r\n"),
    );
    expect(exposition.samples.map((s) => [s.name, s.value])).toEqual([
      ["api_http_requests_total", 1027],
      ["other", 2],
    ]);
    expect(exposition.types.get("api_http_requests_total")).toBe("counter");
    expect(exposition.types.get("other")).toBe("gauge");
    expect(exposition.help.get("api_http_requests_total")).toBe(
      "The total number of HTTP requests.\nSecond line \\ done",
    );
    expect(exposition.help.get("nospace")).toBe("Still metadata.");
    expect(mentions(exposition, "nospace")).toBe(true);
    expect(mentions(exposition, "absent")).toBe(false);
  });

  it("keeps histograms and summaries as their flat series", () => {
    const exposition = parse(`# HELP rpc_duration_seconds A summary.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05",code="200"} 24054
http_request_duration_seconds_bucket{le="+Inf",code="200"} 144320
http_request_duration_seconds_bucket{le="0.05",code="500"} 1
http_request_duration_seconds_bucket{le="+Inf",code="500"} 2
http_request_duration_seconds_sum{code="200"} 53423
http_request_duration_seconds_count{code="200"} 144320
`);
    const names = exposition.samples.map((s) => s.name);
    expect(names.filter((n) => n === "http_request_duration_seconds_bucket")).toHaveLength(4);
    // Labelled histograms are not merged together (a known flaw of some npm parsers).
    const infBuckets = exposition.samples.filter((s) => s.labels.le === "+Inf");
    expect(infBuckets.map((s) => [s.labels.code, s.value])).toEqual([
      ["200", 144320],
      ["500", 2],
    ]);
    expect(exposition.samples.find((s) => s.labels.quantile === "0.5")?.value).toBe(4773);
    expect(exposition.types.get("rpc_duration_seconds")).toBe("summary");
  });

  it("accepts blanks around labels, a trailing comma, empty braces and tabs", () => {
    expect(only('m { a = "1" , b="2", } \t 7 \t').labels).toEqual({ a: "1", b: "2" });
    expect(only("m{} 7").labels).toEqual({});
    expect(only('m{a="1"}7').value).toBe(7);
  });

  it("rejects malformed lines with the line number and no line text", () => {
    const cases: [string, RegExp][] = [
      ["m", /no value for m/],
      ["m 1 2 3", /unexpected text after the value/],
      ["m abc", /invalid value/],
      ["m 1 1.5", /invalid timestamp/],
      ["m 1 ++1", /invalid timestamp/],
      ["m 1 +-1", /invalid timestamp/],
      ["m 1 +", /invalid timestamp/],
      ['m{a="1} 2', /unterminated value of label a/],
      ["m{a=1} 2", /expected a quoted value for label a/],
      ['m{a="1" b="2"} 2', /expected "," or "}" after label a/],
      ['m{a="1",a="2"} 2', /label a repeated/],
      ['m{1a="1"} 2', /expected a label name/],
      ["9m 1", /expected a metric name/],
      ["m-x 1", /unexpected character after m/],
      ["# TYPE m bogus", /unknown metric type "bogus"/],
      ["# TYPE m \u001b[2Jx", /unknown metric type "\\x1b\[2Jx"/],
      ["# TYPE m counter\n# TYPE m gauge", /second TYPE line for m/],
      ["# HELP", /HELP line without a valid metric name/],
    ];
    for (const [text, expected] of cases) {
      const result = failure(`ok 1\n${text}`);
      expect(result.error, text).toMatch(expected);
      expect(result.line, text).toBe(text.includes("\n") ? 3 : 2);
    }
    expect(failure('secret_metric{token="hunter2"} nope').error).not.toContain("hunter2");
  });

  it("keeps the first sample of a repeated series and counts the repeats", () => {
    const exposition = parse('m{a="1"} 1\nm{a="1"} 2\nm{a="2"} 3');
    expect(exposition.samples.map((s) => s.value)).toEqual([1, 3]);
    expect(exposition.duplicates).toBe(1);
  });

  it("identifies series by name and labels whatever the label order", () => {
    expect(seriesKey("m", { a: "1", b: "2" })).toBe(seriesKey("m", { b: "2", a: "1" }));
    expect(seriesKey("m", { a: "1" })).not.toBe(seriesKey("m_total", { a: "1" }));
  });

  it("parses the real django-prometheus 2.2 page, keeping _created gauges apart from the counters", () => {
    const exposition = parse(readFileSync(`${SAMPLES_DIR}/django-prometheus-2.2.txt`, "utf8"));
    const byStatus = exposition.samples.filter(
      (s) => s.name === "django_http_responses_total_by_status_total",
    );
    expect(byStatus.map((s) => [s.labels.status, s.value])).toEqual([
      ["200", 194],
      ["500", 3],
      ["404", 3],
    ]);
    expect(exposition.types.get("django_http_responses_total_by_status_total")).toBe("counter");
    expect(exposition.types.get("django_http_responses_total_by_status_created")).toBe("gauge");
    const created = exposition.samples.filter(
      (s) => s.name === "django_http_responses_total_by_status_created",
    );
    expect(created).toHaveLength(3);
    expect(created.every((s) => s.value > 1.7e9)).toBe(true);
    // Families declared but without samples (no model inserts yet) are still known.
    expect(mentions(exposition, "django_model_inserts_total")).toBe(true);
    expect(exposition.samples.some((s) => s.name === "django_model_inserts_total")).toBe(false);
  });

  it("parses the real postgres_exporter 0.11 page", () => {
    const exposition = parse(readFileSync(`${SAMPLES_DIR}/postgres-exporter-0.11.txt`, "utf8"));
    const activity = exposition.samples.filter((s) => s.name === "pg_stat_activity_count");
    expect(activity).toHaveLength(18);
    expect(activity.find((s) => s.labels.state === "idle in transaction (aborted)")?.labels.datname).toBe(
      "postgres",
    );
    expect(activity.reduce((sum, s) => sum + s.value, 0)).toBe(6);
    expect(exposition.samples.find((s) => s.name === "pg_settings_max_connections")?.value).toBe(50);
  });
});
