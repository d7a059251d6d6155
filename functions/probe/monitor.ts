/**
 * One monitoring step shared by the CLI and the Lambda: run the cycle, turn it into datums,
 * and publish them (optionally) with the EMF fallback.
 */
import type { MonitorConfig } from "../shared/config.ts";
import { type CycleDependencies, type CycleReport, runCycle } from "./cycle.ts";
import { cycleDatums, type Datum } from "./datums.ts";
import { type MetricsPublisher, type PublishOutcome, publishWithFallback } from "./publish.ts";

export interface ProbeDependencies extends CycleDependencies {
  /** Absent: nothing is published (the CLI without --publish). */
  readonly publisher?: MetricsPublisher;
  /** Where EMF fallback lines go. */
  readonly writeEmf: (line: string) => void;
}

export interface ProbeOutcome {
  readonly report: CycleReport;
  readonly datums: readonly Datum[];
  readonly publish?: PublishOutcome;
}

export async function probeOnce(
  config: MonitorConfig,
  vantage: string,
  dependencies: ProbeDependencies,
): Promise<ProbeOutcome> {
  const report = await runCycle(config, vantage, dependencies);
  const datums = cycleDatums(report);
  if (!dependencies.publisher) return { report, datums };
  const publish = await publishWithFallback(
    dependencies.publisher,
    config.namespace,
    report.timestamp,
    datums,
    dependencies.writeEmf,
  );
  return { report, datums, publish };
}

/** True when every check passed (up or degraded) and publishing, if asked, succeeded. */
export function probeSucceeded(outcome: ProbeOutcome): boolean {
  return outcome.report.checks.every((result) => result.status !== "down") && outcome.publish?.ok !== false;
}
