/** The rule part of a catalogue entry, written once: `statistic comparison threshold for N periods`. */
import type { AlarmDefault, Comparison, MissingData, Statistic } from "./alarms.ts";

const MINUTE = 60;

/** The fields of an alarm that make its rule. */
export type AlarmRule = Pick<
  AlarmDefault,
  | "statistic"
  | "periodSeconds"
  | "comparison"
  | "threshold"
  | "evaluationPeriods"
  | "datapointsToAlarm"
  | "missingData"
>;

/**
 * `statistic` per period `comparison threshold` for `periods` of `periods` one-minute periods
 * (every default is "N of N" unless `datapoints` says otherwise), with CloudWatch's missing-data
 * treatment.
 */
export function rule(
  statistic: Statistic,
  comparison: Comparison,
  threshold: number,
  periods: number,
  missingData: MissingData,
  options: { readonly datapoints?: number; readonly periodSeconds?: number } = {},
): AlarmRule {
  return {
    statistic,
    periodSeconds: options.periodSeconds ?? MINUTE,
    comparison,
    threshold,
    evaluationPeriods: periods,
    datapointsToAlarm: options.datapoints ?? periods,
    missingData,
  };
}
