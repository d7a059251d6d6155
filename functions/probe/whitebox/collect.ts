/**
 * The white-box half of a cycle: read every planned source concurrently (./scrape.ts), then
 * combine the readings of each component into its figures (./figures.ts) and datums.
 */
import type { MonitorConfig } from "../../shared/config/index.ts";
import { FigureMetrics, type SourceComponent, SourceMetrics } from "../../shared/metrics.ts";
import { type Datum, datum } from "../datums.ts";
import { componentOf, computeFigure, FIGURE_RULES, type FigureValue, type MissingFigure } from "./figures.ts";
import { type ScrapeDependencies, type SourceStatus, scrapeSource } from "./scrape.ts";
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
  config: MonitorConfig,
  dependencies: ScrapeDependencies,
): Promise<WhiteboxReport | undefined> {
  const specs = sourceSpecs(config);
  if (specs.length === 0) return undefined;
  const results = await Promise.all(specs.map((spec) => scrapeSource(spec, dependencies)));

  const figures: FigureValue[] = [];
  const missing: MissingFigure[] = [];
  for (const component of Object.keys(FIGURE_RULES) as SourceComponent[]) {
    const ofComponent = results.filter((result) => result.spec.component === component);
    if (ofComponent.length === 0) continue;
    const readings = ofComponent.flatMap((result) => (result.reading ? [result.reading] : []));
    for (const rule of FIGURE_RULES[component]) {
      const outcome = computeFigure(rule, readings, ofComponent.length);
      const figureComponent = componentOf(rule.metric);
      if (outcome.value === undefined) {
        missing.push({ component: figureComponent, metric: rule.metric, reason: outcome.reason });
      } else {
        figures.push({
          component: figureComponent,
          metric: rule.metric,
          unit: FigureMetrics[rule.metric].unit,
          value: outcome.value,
          sources: outcome.sources,
          of: ofComponent.length,
        });
      }
    }
  }
  return { sources: results.map((result) => result.status), figures, missing };
}

/**
 * The figures as datums of the cycle, exactly per the metrics contract, then one `SourceUp` per
 * component with a source: without it an unreadable source would leave its figures' alarms
 * silently blind (they treat missing data as not breaching).
 */
export function whiteboxDatums(report: WhiteboxReport, vantage: string): Datum[] {
  const figures = report.figures.map((figure) =>
    datum(FigureMetrics[figure.metric], figure.value, { Component: figure.component, Vantage: vantage }),
  );
  const read = new Map<SourceComponent, boolean>();
  for (const source of report.sources)
    read.set(source.source, (read.get(source.source) ?? true) && source.ok);
  const sourceUp = [...read].map(([component, ok]) =>
    datum(SourceMetrics.SourceUp, ok ? 1 : 0, { Component: component, Vantage: vantage }),
  );
  return [...figures, ...sourceUp];
}
