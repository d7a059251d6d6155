/**
 * The plan of a configuration: its checks, its white-box sources and its alarms. Everything
 * that depends on "what is configured" (the probe's requests, the CDK alarms and dashboard, the
 * docs' "Created when" column) derives from these three lists.
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

export * from "./alarms.ts";
export * from "./checks.ts";
export * from "./source-kind.ts";
export * from "./sources.ts";

export interface ConfigPlan extends AlarmPlan {
  readonly checks: readonly PlannedCheck[];
  readonly sources: readonly PlannedSource[];
  /** The components with a white-box source, in the order they are read. */
  readonly sourceComponents: readonly SourceComponent[];
  /** The kinds of source read, in the same order. */
  readonly sourceKinds: readonly SourceKindId[];
}

export function planConfig(config: MonitorConfig): ConfigPlan {
  const checks = planChecks(config);
  const sources = planSources(config);
  const kinds = sourceKinds(sources);
  return {
    checks,
    sources,
    sourceComponents: sourceComponents(sources),
    sourceKinds: kinds,
    ...planAlarms(config, checks, kinds),
  };
}
