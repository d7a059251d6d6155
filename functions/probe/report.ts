/**
 * Human and machine renderings of a cycle: the CLI's table and JSON, the Lambda's log lines.
 * None of them ever contains a header value or a response body.
 */
import { FigureMetrics } from "../shared/metrics.ts";
import type { CheckResult, CycleReport, SkippedCheck } from "./cycle.ts";
import type { PublishOutcome } from "./publish.ts";
import type { SourceStatus, WhiteboxReport } from "./whitebox/collect.ts";

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
      source.source,
      source.url,
      source.ok ? "OK" : "FAILED",
      source.httpStatus === undefined ? "-" : String(source.httpStatus),
      ms(source.durationMs),
      source.samples === undefined ? "-" : String(source.samples),
    ]),
  );
  const figureRows = [
    ...whitebox.figures.map((figure) => ({
      component: figure.component,
      metric: figure.metric,
      cells: [
        figureValue(figure.value),
        figure.unit,
        figure.sources < figure.of ? `${figure.sources} of ${figure.of} sources` : "",
      ],
    })),
    ...whitebox.missing.map((missing) => ({
      component: missing.component,
      metric: missing.metric,
      cells: ["-", "", `not published: ${missing.reason}`],
    })),
  ];
  const order = Object.keys(FigureMetrics);
  figureRows.sort((a, b) => order.indexOf(a.metric) - order.indexOf(b.metric));
  const figures = alignColumns(
    ["COMPONENT", "FIGURE", "VALUE", "UNIT", "NOTE"],
    figureRows.map((row) => [row.component, row.metric, ...row.cells]),
  );
  const reasons = whitebox.sources.flatMap((source) => sourceLines(source));
  return [sources, "", figures, ...(reasons.length > 0 ? ["", ...reasons] : [])].join("\n");
}

function sourceLines(source: SourceStatus): string[] {
  const label = `${source.source} ${source.url}`;
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
    figures: Object.fromEntries(whitebox.figures.map((figure) => [figure.metric, figure.value])),
    missing: Object.fromEntries(whitebox.missing.map((missing) => [missing.metric, missing.reason])),
  };
}

/** One structured log line per check with nothing to check this cycle (nothing published). */
export function skippedLogRecord(skipped: SkippedCheck, vantage: string): Record<string, unknown> {
  return { level: "INFO", message: "check skipped", vantage, ...skipped };
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
