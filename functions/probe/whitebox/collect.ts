/**
 * The white-box half of a cycle: read every planned source concurrently (./scrape.ts), then
 * combine the readings of each kind into its figures (./figures.ts) and datums. Hosts and buckets
 * have figures of their own: their sources are combined per instance.
 */
import type { ProbeConfig } from "../../shared/config/index.ts";
import { FigureMetrics, type SourceComponent, SourceMetrics } from "../../shared/metrics.ts";
import { SOURCE_KINDS, type SourceInstance } from "../../shared/plan/sources.ts";
import { type Datum, type DimensionValues, datum } from "../datums.ts";
import { componentOf, computeFigure, FIGURE_RULES, type FigureValue, type MissingFigure } from "./figures.ts";
import { type ScrapeDependencies, type SourceResult, type SourceStatus, scrapeSource } from "./scrape.ts";
import { sourceSpecs } from "./specs.ts";

export type { FigureValue, MissingFigure } from "./figures.ts";
export {
  createWhiteboxState,
  type ScrapeDependencies as WhiteboxDependencies,
  type SourceStatus,
  type WhiteboxState,
} from "./scrape.ts";

export interface WhiteboxReport {
  readonly sources: readonly SourceStatus[];
  readonly figures: readonly FigureValue[];
  readonly missing: readonly MissingFigure[];
}

/** Reads every source and computes the figures; undefined when no source is configured. */
export async function collectWhitebox(
  config: ProbeConfig,
  dependencies: ScrapeDependencies,
): Promise<WhiteboxReport | undefined> {
  const specs = sourceSpecs(config);
  if (specs.length === 0) return undefined;
  const results = await Promise.all(specs.map((spec) => scrapeSource(spec, dependencies)));

  const figures: FigureValue[] = [];
  const missing: MissingFigure[] = [];
  for (const kind of SOURCE_KINDS) {
    for (const group of groups(results.filter((result) => result.spec.kind === kind.id))) {
      const readings = group.results.flatMap((result) => (result.reading ? [result.reading] : []));
      const instance = group.instance ? { instance: group.instance } : {};
      for (const rule of FIGURE_RULES[kind.id]) {
        const outcome = computeFigure(rule, readings, group.results.length);
        const component = componentOf(rule.metric);
        if (outcome.value === undefined) {
          missing.push({ component, metric: rule.metric, reason: outcome.reason, ...instance });
        } else {
          figures.push({
            component,
            metric: rule.metric,
            unit: FigureMetrics[rule.metric].unit,
            value: outcome.value,
            sources: outcome.sources,
            of: group.results.length,
            ...instance,
            ...(outcome.note === undefined ? {} : { note: outcome.note }),
          });
        }
      }
    }
  }
  return { sources: results.map((result) => result.status), figures, missing };
}

/** The results of one kind: all together, or one group per host or bucket. */
function groups(
  results: readonly SourceResult[],
): { readonly instance?: SourceInstance; readonly results: SourceResult[] }[] {
  if (results.length === 0) return [];
  if (results.every((result) => result.spec.instance === undefined)) return [{ results: [...results] }];
  const byInstance = new Map<string, { instance: SourceInstance; results: SourceResult[] }>();
  for (const result of results) {
    const instance = result.spec.instance;
    if (!instance) continue;
    const group = byInstance.get(instance.value) ?? { instance, results: [] };
    group.results.push(result);
    byInstance.set(instance.value, group);
  }
  return [...byInstance.values()];
}

/**
 * The figures as datums of the cycle, exactly per the metrics contract, then one `SourceUp` per
 * component with a source: without it an unreadable source would leave its figures' alarms
 * silently blind (they treat missing data as not breaching).
 */
export function whiteboxDatums(report: WhiteboxReport, vantage: string): Datum[] {
  const figures = report.figures.map((figure) => {
    const dimensions: DimensionValues = { Component: figure.component, Vantage: vantage };
    if (figure.instance) dimensions[figure.instance.dimension] = figure.instance.value;
    return datum(FigureMetrics[figure.metric], figure.value, dimensions);
  });
  const read = new Map<SourceComponent, boolean>();
  for (const source of report.sources)
    read.set(source.source, (read.get(source.source) ?? true) && source.ok);
  const sourceUp = [...read].map(([component, ok]) =>
    datum(SourceMetrics.SourceUp, ok ? 1 : 0, { Component: component, Vantage: vantage }),
  );
  return [...figures, ...sourceUp];
}
