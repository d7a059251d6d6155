/**
 * What an alarm requirement is: when the alarm is created (as the docs write it) and, from the
 * plan of a configuration, for which components, checks and hosts it is created and what it
 * watches.
 */
import type { AlarmDefault } from "../alarms.ts";
import type { MonitorConfig } from "../config/index.ts";
import { CHECK_NAME, type CheckName, type Component } from "../metrics.ts";
import type { AlarmSource } from "./alarm-source.ts";
import { checkKind, type PlannedCheck } from "./checks.ts";
import type { SourceInstance, SourceKindId } from "./source-kind.ts";
import { sourceKind } from "./sources.ts";
import type { VantagePlan } from "./vantages.ts";

export interface Candidate {
  readonly component: Component | "monitor";
  readonly source: AlarmSource;
  /** The deep check it watches (named in the alarm's name and key). */
  readonly check?: CheckName;
  /** The host an alarm of a per-host figure watches: part of its key and name. */
  readonly instance?: SourceInstance;
  /** For the alarms of one vantage: named after it. */
  readonly vantage?: string;
}

/** What the plan of an alarm looks at. */
export interface PlanContext {
  readonly config: MonitorConfig;
  readonly checks: readonly PlannedCheck[];
  /** The kinds of white-box source the configuration reads. */
  readonly sources: readonly SourceKindId[];
  /** Where the probes run and how many must agree. */
  readonly vantages: VantagePlan;
}

/** When an alarm is created (`when`, as the docs write it), and for which components. */
export interface Requirement {
  readonly when: string;
  readonly find: (context: PlanContext, defaults: AlarmDefault) => Candidate[];
}

export function contract(
  defaults: AlarmDefault,
  component?: Component,
  check = defaults.check,
  instance?: SourceInstance,
): Candidate {
  if (!defaults.metric) throw new Error(`${defaults.id} has no metric in the catalogue`);
  const owner = component ?? defaults.component;
  if (owner === undefined) throw new Error(`${defaults.id} has no component`);
  // The health check's alarms keep the names they have always had.
  const deep =
    check !== undefined && check !== CHECK_NAME[owner as keyof typeof CHECK_NAME] ? check : undefined;
  return {
    component: owner,
    source: {
      kind: "contract",
      spec: defaults.metric,
      component: owner,
      ...(deep ? { check: deep } : {}),
      ...(instance ? { instance } : {}),
    },
    ...(deep ? { check: deep } : {}),
    ...(instance ? { instance } : {}),
  };
}

/** The backend's load balancer, when its request source is the `alb` preset. */
export function albOf(
  config: MonitorConfig,
): { readonly loadBalancer: string; readonly targetGroup?: string } | undefined {
  const requests = config.targets.backend?.requests;
  if (requests?.preset !== "alb") return undefined;
  const { loadBalancer, targetGroup } = requests;
  return { loadBalancer, ...(targetGroup === undefined ? {} : { targetGroup }) };
}

/** An alarm on a check's own metrics (the health check unless `check` is given): created with it. */
export function onCheck(component: PlannedCheck["component"], check?: CheckName): Requirement {
  const kind = checkKind(component, check);
  return {
    when: kind.configuredBy,
    find: ({ checks }, defaults) =>
      checks.some((planned) => planned.component === component && planned.check === kind.check)
        ? [contract(defaults)]
        : [],
  };
}

/** An alarm on a white-box figure read by the probe: created with the source. */
export function onSource(kind: SourceKindId): Requirement {
  return {
    when: sourceKind(kind).configuredBy,
    find: ({ sources }, defaults) => (sources.includes(kind) ? [contract(defaults)] : []),
  };
}
