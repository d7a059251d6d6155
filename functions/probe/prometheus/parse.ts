/**
 * The Prometheus text exposition format (version 0.0.4), parsed into flat samples.
 *
 * Written here rather than taken from npm: the maintained-looking packages mis-handle the format's
 * hard parts (see the README's white-box section). Flat samples are what Prometheus itself works
 * with: a histogram is its `_bucket`, `_sum` and `_count` series, a summary its quantile series,
 * and a prometheus_client `_created` gauge is just another metric name, so nothing is grouped by
 * name prefix and nothing can be mistaken for something else.
 *
 * Strict like Prometheus: one malformed line fails the whole page, with the line number and what
 * was wrong (never the line's text), so a half-read page can never yield a wrong figure.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

import { untrustedText } from "../../shared/text.ts";

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Any float, including NaN and ±Infinity. */
  readonly value: number;
  /** Milliseconds since the epoch, when the line carries a timestamp. */
  readonly timestampMs?: number;
}

export interface Exposition {
  /** Every sample in page order; a repeated series keeps its first sample (like Prometheus). */
  readonly samples: readonly Sample[];
  /** `# TYPE` lines by metric name. */
  readonly types: ReadonlyMap<string, MetricType>;
  /** `# HELP` lines by metric name, unescaped. */
  readonly help: ReadonlyMap<string, string>;
  /** Series that appeared more than once (later copies ignored). */
  readonly duplicates: number;
}

export type ParseResult =
  | { readonly ok: true; readonly exposition: Exposition }
  | { readonly ok: false; readonly line: number; readonly error: string };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const METRIC_NAME_START = /[a-zA-Z_:]/;
const METRIC_NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_NAME_START = /[a-zA-Z_]/;
const LABEL_NAME_CHAR = /[a-zA-Z0-9_]/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);
/** Go's strconv.ParseFloat, as Prometheus uses it, minus hexadecimal floats. */
const FLOAT = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)$/;
const SPECIAL = /^(?:([+-]?)(?:inf|infinity)|nan)$/i;
/** Go's strconv.ParseInt, base 10, as the text format reads timestamps: a sign is allowed, + too. */
const TIMESTAMP = /^[+-]?\d{1,19}$/;

class LineError extends Error {}

export function parseExposition(text: string): ParseResult {
  const samples: Sample[] = [];
  const types = new Map<string, MetricType>();
  const help = new Map<string, string>();
  const seen = new Set<string>();
  let duplicates = 0;
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = trimBlanks((lines[index] ?? "").replace(/\r$/, ""));
    if (line === "") continue;
    try {
      if (line.startsWith("#")) {
        parseComment(line, types, help);
        continue;
      }
      const sample = parseSample(line);
      const key = seriesKey(sample.name, sample.labels);
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      samples.push(sample);
    } catch (error) {
      if (error instanceof LineError) return { ok: false, line: index + 1, error: error.message };
      throw error;
    }
  }
  return { ok: true, exposition: { samples, types, help, duplicates } };
}

/** True when the page mentions the metric: a sample, or a HELP or TYPE line (an empty family). */
export function mentions(exposition: Exposition, name: string): boolean {
  return (
    exposition.types.has(name) || exposition.help.has(name) || exposition.samples.some((s) => s.name === name)
  );
}

/** A stable identity for a series: its name and its labels sorted by name. */
export function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((label) => [label, labels[label]]);
  return JSON.stringify([name, sorted]);
}

function trimBlanks(line: string): string {
  return line.replace(/^[ \t]+|[ \t]+$/g, "");
}

function parseComment(line: string, types: Map<string, MetricType>, help: Map<string, string>): void {
  const body = line.slice(1).replace(/^[ \t]+/, "");
  const keyword = /^(HELP|TYPE)(?:[ \t]+|$)/.exec(body);
  if (!keyword) return; // an ordinary comment
  const rest = body.slice(keyword[0].length);
  const nameMatch = /^(\S+)(?:[ \t]+|$)/.exec(rest);
  const name = nameMatch?.[1];
  if (!nameMatch || name === undefined || !METRIC_NAME.test(name)) {
    throw new LineError(`${keyword[1]} line without a valid metric name`);
  }
  const value = rest.slice(nameMatch[0].length);
  if (keyword[1] === "HELP") {
    if (help.has(name)) throw new LineError(`second HELP line for ${name}`);
    help.set(name, unescapeHelp(value));
    return;
  }
  const type = trimBlanks(value);
  if (!TYPES.has(type as MetricType)) throw new LineError(`unknown metric type "${untrustedText(type, 20)}"`);
  if (types.has(name)) throw new LineError(`second TYPE line for ${name}`);
  types.set(name, type as MetricType);
}

/** HELP text escapes only `\\` and `\n`; any other backslash stays as it is. */
function unescapeHelp(text: string): string {
  return text.replace(/\\([\\n])/g, (_match, char: string) => (char === "n" ? "\n" : "\\"));
}

function parseSample(line: string): Sample {
  let position = 0;
  const at = (offset = 0): string => line.charAt(position + offset);
  const skipBlanks = (): void => {
    while (at() === " " || at() === "\t") position++;
  };

  if (!METRIC_NAME_START.test(at())) throw new LineError("expected a metric name");
  const nameStart = position;
  while (position < line.length && METRIC_NAME_CHAR.test(at())) position++;
  const name = line.slice(nameStart, position);

  const labels: Record<string, string> = {};
  skipBlanks();
  const hasLabels = at() === "{";
  if (hasLabels) {
    position++;
    for (;;) {
      skipBlanks();
      if (at() === "}") {
        position++;
        break;
      }
      if (!LABEL_NAME_START.test(at())) throw new LineError(`expected a label name or "}" in ${name}`);
      const labelStart = position;
      while (position < line.length && LABEL_NAME_CHAR.test(at())) position++;
      const label = line.slice(labelStart, position);
      skipBlanks();
      if (at() !== "=") throw new LineError(`expected "=" after label ${label} in ${name}`);
      position++;
      skipBlanks();
      if (at() !== '"') throw new LineError(`expected a quoted value for label ${label} in ${name}`);
      position++;
      let value = "";
      for (;;) {
        if (position >= line.length) throw new LineError(`unterminated value of label ${label} in ${name}`);
        const char = at();
        if (char === '"') {
          position++;
          break;
        }
        if (char === "\\") {
          const next = at(1);
          if (next === "\\" || next === '"') value += next;
          else if (next === "n") value += "\n";
          else value += `\\${next}`; // Prometheus keeps unknown escapes as they are
          position += next === "" ? 1 : 2;
          continue;
        }
        value += char;
        position++;
      }
      if (Object.hasOwn(labels, label)) throw new LineError(`label ${label} repeated in ${name}`);
      labels[label] = value;
      skipBlanks();
      if (at() === ",") {
        position++;
        continue;
      }
      if (at() === "}") {
        position++;
        break;
      }
      throw new LineError(`expected "," or "}" after label ${label} in ${name}`);
    }
  }

  const tokens = line
    .slice(position)
    .split(/[ \t]+/)
    .filter((token) => token !== "");
  if (!hasLabels && position < line.length && position === nameStart + name.length) {
    throw new LineError(`unexpected character after ${name}`);
  }
  const [valueText, timestampText, extra] = tokens;
  if (valueText === undefined) throw new LineError(`no value for ${name}`);
  if (extra !== undefined) throw new LineError(`unexpected text after the value of ${name}`);
  const value = parseValue(valueText);
  if (value === undefined) throw new LineError(`invalid value for ${name}`);
  if (timestampText === undefined) return { name, labels, value };
  if (!TIMESTAMP.test(timestampText)) throw new LineError(`invalid timestamp for ${name}`);
  return { name, labels, value, timestampMs: Number(timestampText) };
}

export function parseValue(text: string): number | undefined {
  if (FLOAT.test(text)) return Number(text);
  const special = SPECIAL.exec(text);
  if (!special) return undefined;
  if (/nan/i.test(text)) return Number.NaN;
  return special[1] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}
