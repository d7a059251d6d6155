/**
 * Human and machine renderings of a cycle: the CLI's table and JSON, the Lambda's log lines.
 * None of them ever contains a header value or a response body.
 */
import { FigureMetrics, instanceDimension } from "../shared/metrics.ts";
import type { CheckResult, CycleReport, SkippedCheck } from "./cycle.ts";
import type { PublishOutcome } from "./publish.ts";
import type { FigureValue, MissingFigure, SourceStatus, WhiteboxReport } from "./whitebox/collect.ts";

const STATUS_TEXT = { up: "UP", degraded: "DEGRADED", down: "DOWN" } as const;

export function formatTable(report: CycleReport): string {
  const header = [
    "COMPONENT",
    "CHECK",
    "STATUS",
    "HTTP",
    "TOTAL",
    "DNS",
    "CONNECT",
    "TLS",
    "TTFB",
    "CERT DAYS",
    "TRIES",
  ];
  const rows = report.checks.map((result) => [
    result.component,
    result.check,
    STATUS_TEXT[result.status],
    result.httpStatus === undefined ? "-" : String(result.httpStatus),
    ms(result.timings.totalMs),
    ms(result.timings.dnsMs),
    ms(result.timings.connectMs),
    ms(result.timings.tlsMs),
    ms(result.timings.ttfbMs),
    result.certDaysLeft === undefined ? "-" : result.certDaysLeft.toFixed(1),
    String(result.attempts),
  ]);
  const reasons = [
    ...report.checks.flatMap((result) => reasonLines(result)),
    ...(report.skipped ?? []).map((skipped) => `${skipped.component}/${skipped.check}: ${skipped.reason}`),
  ];
  return [alignColumns(header, rows), ...(reasons.length > 0 ? ["", ...reasons] : [])].join("\n");
}

function reasonLines(result: CheckResult): string[] {
  const lines: string[] = [];
  const label = `${result.component}/${result.check}`;
  if (result.reason) lines.push(`${label}: ${result.reason}`);
  if (result.firstAttemptReason && result.status !== "down") {
    lines.push(`${label}: recovered on retry; first attempt: ${result.firstAttemptReason}`);
  }
  const facts = [
    ...Object.entries(result.info ?? {}).map(([name, value]) => `${name} ${value}`),
    ...Object.entries(result.measurements ?? {}).map(([name, value]) => `${name} ${ms(value)}`),
  ];
  if (facts.length > 0) lines.push(`${label}: ${facts.join(", ")}`);
  return lines;
}

function ms(value: number | undefined): string {
  if (value === undefined) return "-";
  return value >= 100 ? `${Math.round(value)}ms` : `${value.toFixed(1)}ms`;
}

export function cycleSummary(report: CycleReport): string {
  const down = report.checks.filter((result) => result.status === "down").length;
  const state = down === 0 ? "all checks up" : `${down} of ${report.checks.length} down`;
  const skipped = report.skipped?.length ?? 0;
  const notChecked = skipped === 0 ? "" : `, ${skipped} not checked`;
  return `${report.timestamp.toISOString()}  vantage ${report.vantage}  ${state}${notChecked}  (cycle took ${report.durationMs} ms)`;
}

export function publishSummary(outcome: PublishOutcome, namespace: string): string {
  if (outcome.ok) {
    return `published ${outcome.datums} datums to CloudWatch namespace ${namespace} in ${outcome.requests} request(s)`;
  }
  return `${outcome.error}; wrote the ${outcome.datums} datums as ${outcome.emfLines} EMF line(s) instead`;
}

/** The JSON form of a cycle, as printed by `--json` (one object per cycle). */
export function reportJson(
  report: CycleReport,
  publish?: PublishOutcome,
  whitebox?: WhiteboxReport,
): Record<string, unknown> {
  return {
    timestamp: report.timestamp.toISOString(),
    vantage: report.vantage,
    durationMs: report.durationMs,
    up: report.checks.every((result) => result.status !== "down"),
    checks: report.checks,
    ...(report.skipped && report.skipped.length > 0 ? { skipped: report.skipped } : {}),
    ...(whitebox ? { whitebox } : {}),
    ...(publish ? { publish } : {}),
  };
}

/** The white-box part of the CLI's output: each source's status, then every figure. */
export function formatWhitebox(whitebox: WhiteboxReport): string {
  const sources = alignColumns(
    ["SOURCE", "URL", "STATUS", "HTTP", "TIME", "SAMPLES"],
    whitebox.sources.map((source) => [
      labelOf(source.source, source.instance),
      source.url,
      source.ok ? "OK" : "FAILED",
      source.httpStatus === undefined ? "-" : String(source.httpStatus),
      ms(source.durationMs),
      source.samples === undefined ? "-" : String(source.samples),
    ]),
  );
  const figureRows = [
    ...whitebox.figures.map((figure) => ({
      figure,
      cells: [
        figureValue(figure.value),
        figure.unit,
        [figure.sources < figure.of ? `${figure.sources} of ${figure.of} sources` : "", figure.note ?? ""]
          .filter((text) => text !== "")
          .join("; "),
      ],
    })),
    ...whitebox.missing.map((missing) => ({
      figure: missing,
      cells: ["-", "", `not published: ${missing.reason}`],
    })),
  ];
  const order = figureOrder(
    whitebox.sources.flatMap((source) => (source.instance ? [source.instance.value] : [])),
  );
  figureRows.sort((a, b) => order(a.figure, b.figure));
  const figures = alignColumns(
    ["COMPONENT", "FIGURE", "VALUE", "UNIT", "NOTE"],
    figureRows.map((row) => [
      labelOf(row.figure.component, row.figure.instance),
      row.figure.metric,
      ...row.cells,
    ]),
  );
  const reasons = whitebox.sources.flatMap((source) => sourceLines(source));
  return [sources, "", figures, ...(reasons.length > 0 ? ["", ...reasons] : [])].join("\n");
}

/** A component, or a component's host or bucket: `host/db-1`. */
function labelOf(component: string, instance: { readonly value: string } | undefined): string {
  return instance ? `${component}/${instance.value}` : component;
}

const METRIC_ORDER = Object.keys(FigureMetrics);

/**
 * The contract's order, one component (or one host or bucket) after the other: a figure's place is
 * the first metric of its component and dimension, then its host or bucket in the configuration's
 * order (`instances`), then its own metric.
 */
function figureOrder(
  instances: readonly string[],
): (a: FigureValue | MissingFigure, b: FigureValue | MissingFigure) => number {
  const place = (figure: FigureValue | MissingFigure): number =>
    METRIC_ORDER.findIndex((name) => {
      const spec = FigureMetrics[name as keyof typeof FigureMetrics];
      return spec.component === figure.component && instanceDimension(spec) === figure.instance?.dimension;
    });
  const instance = (figure: FigureValue | MissingFigure): number =>
    figure.instance ? instances.indexOf(figure.instance.value) : -1;
  return (a, b) =>
    place(a) - place(b) ||
    instance(a) - instance(b) ||
    METRIC_ORDER.indexOf(a.metric) - METRIC_ORDER.indexOf(b.metric);
}

function sourceLines(source: SourceStatus): string[] {
  const label = `${labelOf(source.source, source.instance)} ${source.url}`;
  return [
    ...(source.reason ? [`${label}: ${source.reason}`] : []),
    ...(source.firstSample ? [`${label}: first sample; its rates start with the next cycle`] : []),
    ...(source.notes ?? []).map((note) => `${label}: ${note}`),
  ];
}

function figureValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

function alignColumns(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** One structured log line per white-box source for the Lambda's log group. */
export function sourceLogRecord(source: SourceStatus, vantage: string): Record<string, unknown> {
  return { level: source.ok ? "INFO" : "WARN", message: "source", vantage, ...source };
}

/** One structured log line with every figure of the cycle and why any is missing. */
export function figuresLogRecord(whitebox: WhiteboxReport, vantage: string): Record<string, unknown> {
  return {
    level: "INFO",
    message: "figures",
    vantage,
    figures: Object.fromEntries(whitebox.figures.map((figure) => [figureKey(figure), figure.value])),
    missing: Object.fromEntries(whitebox.missing.map((missing) => [figureKey(missing), missing.reason])),
  };
}

/** One structured log line per check with nothing to check this cycle (nothing published). */
export function skippedLogRecord(skipped: SkippedCheck, vantage: string): Record<string, unknown> {
  return { level: "INFO", message: "check skipped", vantage, ...skipped };
}

/** A figure's key in the log line: its metric, with its host or bucket when it has one. */
function figureKey(figure: FigureValue | MissingFigure): string {
  return figure.instance
    ? `${figure.metric}{${figure.instance.dimension}=${figure.instance.value}}`
    : figure.metric;
}

/** One structured log line per check for the Lambda's log group. */
export function checkLogRecord(result: CheckResult, vantage: string): Record<string, unknown> {
  return {
    level: result.status === "down" ? "WARN" : "INFO",
    message: "check",
    vantage,
    ...result,
    up: result.status !== "down",
  };
}
