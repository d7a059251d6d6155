/**
 * One monitoring step shared by the CLI and the Lambda: run the cycle (and, concurrently, read the
 * white-box sources), turn both into datums, and publish them (optionally) with the EMF fallback.
 */
import type { ProbeConfig } from "../shared/config/index.ts";
import { type CycleDependencies, type CycleReport, runCycle } from "./cycle.ts";
import { cycleDatums, type Datum } from "./datums.ts";
import { type MetricsPublisher, type PublishOutcome, publishWithFallback } from "./publish.ts";
import {
  collectWhitebox,
  type WhiteboxDependencies,
  type WhiteboxReport,
  whiteboxDatums,
} from "./whitebox/collect.ts";

export interface ProbeDependencies extends CycleDependencies {
  /** Absent: nothing is published (the CLI without --publish). */
  readonly publisher?: MetricsPublisher;
  /** Where EMF fallback lines go. */
  readonly writeEmf: (line: string) => void;
  /**
   * State and credentials of the white-box sources (the same object across cycles, so rates have
   * a previous sample). Absent: configured sources are not read.
   */
  readonly whitebox?: Omit<WhiteboxDependencies, "http">;
}

export interface ProbeOutcome {
  readonly report: CycleReport;
  readonly datums: readonly Datum[];
  readonly publish?: PublishOutcome;
  /** The white-box sources and figures, when any source is configured. */
  readonly whitebox?: WhiteboxReport;
}

export async function probeOnce(
  config: ProbeConfig,
  vantage: string,
  dependencies: ProbeDependencies,
): Promise<ProbeOutcome> {
  const whiteboxDependencies = dependencies.whitebox;
  const started = performance.now();
  // Sources run alongside the checks; collectWhitebox never rejects, so it cannot disturb them.
  const [checksReport, whitebox] = await Promise.all([
    runCycle(config, vantage, dependencies),
    whiteboxDependencies
      ? collectWhitebox(config, { http: dependencies.http, ...whiteboxDependencies })
      : Promise.resolve(undefined),
  ]);
  // The cycle lasts until its slowest part, check or source, has finished.
  const report: CycleReport = { ...checksReport, durationMs: Math.round(performance.now() - started) };
  const datums = cycleDatums(
    report,
    whitebox ? whiteboxDatums(whitebox, vantage) : [],
    config.metrics?.detail ?? "full",
  );
  if (!dependencies.publisher) return { report, datums, ...(whitebox ? { whitebox } : {}) };
  const publish = await publishWithFallback(
    dependencies.publisher,
    config.namespace,
    report.timestamp,
    datums,
    dependencies.writeEmf,
  );
  return { report, datums, publish, ...(whitebox ? { whitebox } : {}) };
}

/** True when every check passed (up or degraded) and publishing, if asked, succeeded. */
export function probeSucceeded(outcome: ProbeOutcome): boolean {
  return outcome.report.checks.every((result) => result.status !== "down") && outcome.publish?.ok !== false;
}
