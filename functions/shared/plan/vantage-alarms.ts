/**
 * The alarms of several vantages: every down alarm (an alarm on a check's Up) becomes a consensus
 * alarm over the vantages, and the vantages get their own alarms: each one's silence, the lost
 * quorum, and a check some but not enough vantages see down. One vantage keeps the plain alarms.
 */
import type { AlarmDefault } from "../alarms.ts";
import { CheckMetrics, type CheckName, type Component, type MetricSpec } from "../metrics.ts";
import type { AlarmSource } from "./alarm-source.ts";
import type { PlannedAlarm } from "./alarms.ts";
import { isHealthCheck, type PlannedCheck } from "./checks.ts";
import { type DownRule, vantagesText } from "./consensus.ts";
import { type VantagePlan, vantageNames } from "./vantages.ts";

/** Where the datapoints of an alarm over several vantages come from. */
export type VantageSource =
  /** How many vantages report a check down; compared with `>= minVantages`. */
  | ({ readonly kind: "consensus" } & CheckAcrossVantages)
  /** How many vantages report a check down while fewer than minVantages do. */
  | ({ readonly kind: "partial" } & CheckAcrossVantages)
  /** How many vantages short of minVantages the completed cycles are. */
  | { readonly kind: "quorum"; readonly vantages: readonly string[]; readonly minVantages: number };

/** A check's metric read from every vantage, and when a vantage counts it down. */
export interface CheckAcrossVantages {
  readonly spec: MetricSpec;
  readonly component: Component;
  /** The Check dimension, when it is not the component's health check. */
  readonly check?: CheckName;
  readonly vantages: readonly string[];
  readonly minVantages: number;
  readonly down: DownRule;
}

interface Candidate {
  readonly component: Component | "monitor";
  readonly source: AlarmSource;
  readonly check?: CheckName;
  readonly vantage?: string;
}

interface Context {
  readonly checks: readonly PlannedCheck[];
  readonly vantages: VantagePlan;
}

type Find = (context: Context, defaults: AlarmDefault) => Candidate[];

function metricOf(defaults: AlarmDefault): MetricSpec {
  if (!defaults.metric) throw new Error(`${defaults.id} has no metric in the catalogue`);
  return defaults.metric;
}

/** Down alarms fire on a check's Up below 1 (the contract: 0 is down). */
const UP_DOWN: DownRule = { comparison: "<", threshold: 1 };

export const VANTAGE_REQUIREMENTS = {
  consensusLost: {
    when: "two or more `deployment.vantages`",
    find: (({ vantages }) =>
      vantages.consensus
        ? [
            {
              component: "monitor",
              source: { kind: "quorum", vantages: vantageNames(vantages), minVantages: vantages.minVantages },
            },
          ]
        : []) satisfies Find,
  },
  vantageSilent: {
    when: "each vantage, with two or more `deployment.vantages`",
    find: (({ vantages }, defaults) =>
      vantages.consensus
        ? vantageNames(vantages).map((vantage) => ({
            component: "monitor",
            vantage,
            source: { kind: "contract", spec: metricOf(defaults), vantage },
          }))
        : []) satisfies Find,
  },
  partialOutage: {
    when: "each check, with `alarms.consensus.minVantages` of 2 or more",
    find: (({ checks, vantages }, defaults) =>
      vantages.consensus && vantages.minVantages > 1
        ? checks.map((planned) => {
            // Named like the check's own alarms: the health check by its component alone.
            const check = isHealthCheck(planned) ? undefined : planned.check;
            return {
              component: planned.component,
              ...(check ? { check } : {}),
              source: {
                kind: "partial",
                spec: metricOf(defaults),
                component: planned.component,
                ...(check ? { check } : {}),
                vantages: vantageNames(vantages),
                minVantages: vantages.minVantages,
                down: UP_DOWN,
              },
            };
          })
        : []) satisfies Find,
  },
} as const;

/** The alarm of a check's Up, as the plan has it before the vantages are taken into account. */
type Draft = Omit<PlannedAlarm, "description">;

/**
 * With several vantages, an alarm on a check's Up watches how many vantages see the check down
 * (its own rule applied to each vantage), and fires at minVantages. Any other alarm is unchanged.
 */
export function withConsensus(alarm: Draft, vantages: VantagePlan): Draft {
  const { source } = alarm;
  if (!vantages.consensus || source.kind !== "contract" || source.spec !== CheckMetrics.Up) return alarm;
  if (source.component === undefined) throw new Error(`${alarm.id} watches Up without a component`);
  return {
    ...alarm,
    comparison: ">=",
    threshold: vantages.minVantages,
    source: {
      kind: "consensus",
      spec: source.spec,
      component: source.component,
      ...(source.check === undefined ? {} : { check: source.check }),
      vantages: vantageNames(vantages),
      minVantages: vantages.minVantages,
      down: { comparison: alarm.comparison, threshold: alarm.threshold },
    },
  };
}

function checkText(source: CheckAcrossVantages): string {
  return source.check === undefined ? source.component : `${source.component}/${source.check}`;
}

export function isVantageSource(source: AlarmSource): source is VantageSource {
  return source.kind === "consensus" || source.kind === "partial" || source.kind === "quorum";
}

/**
 * What an alarm over several vantages watches, in words naming each vantage and its metric id
 * (as the alarm's graph shows them), and how silent vantages count: the description's rule.
 */
export function vantageRuleText(
  source: VantageSource,
  statistic: string,
): { readonly watched: string; readonly note: string } {
  const per = statistic === "" ? "" : ` (${statistic})`;
  switch (source.kind) {
    case "consensus":
      return {
        watched: `vantages seeing ${source.spec.name} of ${checkText(source)}${per} ${source.down.comparison} ${source.down.threshold}, among ${vantagesText("up", source.vantages)},`,
        note: "a silent vantage counts as not down; a minute the silent ones could decide has no datapoint",
      };
    case "partial":
      return {
        watched: `vantages seeing ${source.spec.name} of ${checkText(source)}${per} ${source.down.comparison} ${source.down.threshold} while fewer than ${source.minVantages} do, among ${vantagesText("up", source.vantages)},`,
        note: "a silent vantage counts as not down",
      };
    case "quorum":
      return {
        watched: `${source.minVantages} minus the vantages with a MonitorHeartbeat${per}, among ${vantagesText("heartbeat", source.vantages)},`,
        note: "a vantage is alive in a minute it completed a cycle",
      };
  }
}
