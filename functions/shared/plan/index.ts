/**
 * The plan of a configuration: its checks, its white-box sources, its vantages and its alarms.
 * Everything that depends on "what is configured" (the probe's requests, the CDK stacks, alarms
 * and dashboard, the docs' "Created when" column) derives from these lists.
 */
import type { MonitorConfig } from "../config/index.ts";
import type { SourceComponent } from "../metrics.ts";
import { type AlarmPlan, planAlarms } from "./alarms.ts";
import { type PlannedCheck, planChecks } from "./checks.ts";
import {
  type PlannedSource,
  planSources,
  type SourceKindId,
  sourceComponents,
  sourceKinds,
} from "./sources.ts";
import { planVantages, type VantagePlan } from "./vantages.ts";

export * from "./alarms.ts";
export * from "./checks.ts";
export * from "./consensus.ts";
export * from "./source-kind.ts";
export * from "./sources.ts";
export * from "./vantage-alarms.ts";
export * from "./vantages.ts";

export interface ConfigPlan extends AlarmPlan {
  readonly checks: readonly PlannedCheck[];
  readonly sources: readonly PlannedSource[];
  /** The components with a white-box source, in the order they are read. */
  readonly sourceComponents: readonly SourceComponent[];
  /** The kinds of source read, in the same order. */
  readonly sourceKinds: readonly SourceKindId[];
  readonly vantages: VantagePlan;
}

export function planConfig(config: MonitorConfig): ConfigPlan {
  const checks = planChecks(config);
  const sources = planSources(config);
  const kinds = sourceKinds(sources);
  const vantages = planVantages(config);
  return {
    checks,
    sources,
    sourceComponents: sourceComponents(sources),
    sourceKinds: kinds,
    vantages,
    ...planAlarms(config, checks, kinds, vantages),
  };
}
