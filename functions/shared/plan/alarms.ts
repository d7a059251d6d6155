/**
 * Which alarms a configuration gets, and with which settings: a pure function of the config, the
 * catalogue (../alarms.ts) and the planned checks and sources. The CDK construct turns the plan
 * into CloudWatch alarms, the app warns about overrides that match no alarm, and the docs' alarm
 * table takes its "Created when" column from the same requirements.
 */
import {
  ALARM_DEFAULTS,
  ALARM_IDS,
  type AlarmDefault,
  type AlarmId,
  type MissingData,
  resolveAlarmSettings,
} from "../alarms.ts";
import type { MonitorConfig } from "../config/index.ts";
import type { Component, MetricSpec, SourceComponent } from "../metrics.ts";
import { checkKind, httpsChecks, type PlannedCheck, planChecks } from "./checks.ts";
import { planSources, sourceComponents, sourceKind } from "./sources.ts";

/** Where an alarm's datapoints come from. */
export type AlarmSource =
  /** A metric of the monitor's own contract (namespace from the config). */
  | { readonly kind: "contract"; readonly spec: MetricSpec; readonly component?: Component }
  /** ErrorRate computed from the load balancer's own metrics (backend.requests.preset "alb"). */
  | { readonly kind: "alb"; readonly loadBalancer: string; readonly targetGroup?: string }
  /** ConnectionsPercent computed from AWS/RDS DatabaseConnections (database.rdsInstanceId). */
  | { readonly kind: "rds"; readonly instanceId: string; readonly maxConnections: number }
  /** AWS/Lambda Errors of the probe function. */
  | { readonly kind: "lambdaErrors" };

/** A catalogue entry as this config gets it: its rule with the overrides applied, and where from. */
export interface PlannedAlarm
  extends Pick<
    AlarmDefault,
    | "id"
    | "severity"
    | "statistic"
    | "periodSeconds"
    | "comparison"
    | "threshold"
    | "evaluationPeriods"
    | "datapointsToAlarm"
    | "missingData"
  > {
  /** Unique within the stack: the id, plus the component for per-target alarms. */
  readonly key: string;
  readonly name: string;
  /** The component it watches, or "monitor" for the monitor's own alarms. */
  readonly component: Component | "monitor";
  readonly source: AlarmSource;
  readonly description: string;
}

export interface SkippedAlarm {
  readonly id: AlarmId;
  readonly reason: "disabled" | "not-configured";
  readonly detail: string;
}

export interface AlarmPlan {
  readonly alarms: readonly PlannedAlarm[];
  readonly skipped: readonly SkippedAlarm[];
}

/** CloudWatch's limit on AlarmDescription. */
export const MAX_DESCRIPTION_LENGTH = 1024;

const MISSING_DATA_TEXT: Record<MissingData, string> = {
  ignore: "ignore (the alarm keeps its state)",
  notBreaching: "not breaching",
  breaching: "breaching",
  missing: "missing",
};

export function alarmName(prefix: string, component: Component | "monitor", id: AlarmId): string {
  return `${prefix}-${component}-${ALARM_DEFAULTS[id].nameSuffix}`;
}

type Candidate = { readonly component: Component | "monitor"; readonly source: AlarmSource };

/** What the plan of an alarm looks at. */
interface PlanContext {
  readonly config: MonitorConfig;
  readonly checks: readonly PlannedCheck[];
  readonly sources: readonly SourceComponent[];
}

/** When an alarm is created (`when`, as the docs write it), and for which components. */
interface Requirement {
  readonly when: string;
  readonly find: (context: PlanContext, defaults: AlarmDefault) => Candidate[];
}

function contract(defaults: AlarmDefault, component?: Component): Candidate {
  if (!defaults.metric) throw new Error(`${defaults.id} has no metric in the catalogue`);
  const owner = component ?? defaults.component;
  if (owner === undefined) throw new Error(`${defaults.id} has no component`);
  return { component: owner, source: { kind: "contract", spec: defaults.metric, component: owner } };
}

/** An alarm on a health check's own metrics: created with the check. */
function onCheck(component: PlannedCheck["component"]): Requirement {
  return {
    when: checkKind(component).configuredBy,
    find: ({ checks }, defaults) =>
      checks.some((check) => check.component === component) ? [contract(defaults)] : [],
  };
}

/** An alarm on a white-box figure read from a Prometheus page: created with the source. */
function onSource(component: SourceComponent): Requirement {
  return {
    when: sourceKind(component).configuredBy,
    find: ({ sources }, defaults) => (sources.includes(component) ? [contract(defaults)] : []),
  };
}

const always: Requirement["find"] = (_context, defaults) => [
  {
    component: "monitor",
    source: defaults.metric ? { kind: "contract", spec: defaults.metric } : { kind: "lambdaErrors" },
  },
];

export const ALARM_REQUIREMENTS: Readonly<Record<AlarmId, Requirement>> = {
  backendDown: onCheck("backend"),
  livekitDown: onCheck("livekit"),
  garageDown: onCheck("garage"),
  garageDegraded: onCheck("garage"),
  highErrorRate: {
    when: "`targets.backend.requests`",
    find: ({ config, sources }, defaults) => {
      const requests = config.targets.backend?.requests;
      if (requests?.preset === "alb") {
        const { loadBalancer, targetGroup } = requests;
        return [
          {
            component: "backend",
            source: { kind: "alb", loadBalancer, ...(targetGroup === undefined ? {} : { targetGroup }) },
          },
        ];
      }
      return sources.includes("backend") ? [contract(defaults)] : [];
    },
  },
  highPacketLoss: onSource("livekit"),
  dbConnectionsNearLimit: {
    when: "`targets.database`",
    find: ({ config, sources }, defaults) => {
      const database = config.targets.database;
      if (database?.rdsInstanceId !== undefined && database.maxConnections !== undefined) {
        const { rdsInstanceId: instanceId, maxConnections } = database;
        return [{ component: "database", source: { kind: "rds", instanceId, maxConnections } }];
      }
      return sources.includes("database") ? [contract(defaults)] : [];
    },
  },
  diskSpace: onSource("garage"),
  recordingWebhookFailures: onSource("livekit"),
  sourceUnreadable: {
    when: "each component with a Prometheus source",
    find: ({ sources }, defaults) => sources.map((component) => contract(defaults, component)),
  },
  certExpiringWarning: {
    when: "each https target",
    find: ({ checks }, defaults) => httpsChecks(checks).map((check) => contract(defaults, check.component)),
  },
  certExpiringCritical: {
    when: "each https target",
    find: ({ checks }, defaults) => httpsChecks(checks).map((check) => contract(defaults, check.component)),
  },
  monitorSilent: { when: "always", find: always },
  probeFunctionFailing: { when: "always", find: always },
};

/** Alarms that always carry their component in their key, even when there is only one. */
const PER_COMPONENT: ReadonlySet<AlarmId> = new Set([
  "certExpiringWarning",
  "certExpiringCritical",
  "sourceUnreadable",
]);

export function planAlarms(
  config: MonitorConfig,
  checks: readonly PlannedCheck[] = planChecks(config),
  sources: readonly SourceComponent[] = sourceComponents(planSources(config)),
): AlarmPlan {
  const context: PlanContext = { config, checks, sources };
  const alarms: PlannedAlarm[] = [];
  const skipped: SkippedAlarm[] = [];
  for (const id of ALARM_IDS) {
    const settings = resolveAlarmSettings(id, config.alarms[id]);
    if (!settings.enabled) {
      skipped.push({ id, reason: "disabled", detail: `alarms.${id}.enabled is false` });
      continue;
    }
    const defaults = ALARM_DEFAULTS[id];
    const requirement = ALARM_REQUIREMENTS[id];
    const found = requirement.find(context, defaults);
    if (found.length === 0) {
      skipped.push({ id, reason: "not-configured", detail: `needs ${requirement.when.replaceAll("`", "")}` });
      continue;
    }
    const perTarget = found.length > 1 || PER_COMPONENT.has(id);
    for (const { component, source } of found) {
      const base = {
        id,
        key: perTarget ? `${id}-${component}` : id,
        name: alarmName(config.alarms.prefix, component, id),
        component,
        severity: defaults.severity,
        statistic: defaults.statistic,
        periodSeconds: defaults.periodSeconds,
        comparison: defaults.comparison,
        threshold: settings.threshold,
        evaluationPeriods: settings.evaluationPeriods,
        datapointsToAlarm: settings.datapointsToAlarm,
        missingData: defaults.missingData,
        source,
      };
      alarms.push({ ...base, description: describe(defaults, base) });
    }
  }
  return { alarms, skipped };
}

/** The metric an alarm watches, in words. */
export function sourceText(source: AlarmSource): string {
  switch (source.kind) {
    case "contract":
      return source.component === undefined ? source.spec.name : `${source.spec.name} of ${source.component}`;
    case "alb":
      return `100 * (HTTPCode_Target_5XX_Count + HTTPCode_ELB_5XX_Count) / RequestCount of ALB ${source.loadBalancer}${source.targetGroup ? ` (target group ${source.targetGroup})` : ""}`;
    case "rds":
      return `100 * DatabaseConnections / ${source.maxConnections} of RDS instance ${source.instanceId}`;
    case "lambdaErrors":
      return "AWS/Lambda Errors of the probe function";
  }
}

export function ruleText(alarm: Omit<PlannedAlarm, "description" | "key" | "name" | "id">): string {
  const statistic = alarm.source.kind === "alb" ? "Sum of the counts" : alarm.statistic;
  return `${sourceText(alarm.source)} (${statistic} per ${alarm.periodSeconds} s) ${alarm.comparison} ${alarm.threshold} for ${alarm.datapointsToAlarm} of ${alarm.evaluationPeriods} periods; missing data: ${MISSING_DATA_TEXT[alarm.missingData]}`;
}

function describe(defaults: AlarmDefault, alarm: Omit<PlannedAlarm, "description">): string {
  const text = [
    `[${alarm.severity.toUpperCase()}] ${defaults.title}: ${defaults.meaning}`,
    `First check: ${defaults.firstCheck}.`,
    `Rule: ${ruleText(alarm)}.`,
    `Guide row: ${defaults.guideRow}.`,
    `Why: ${defaults.why}`,
  ].join(" ");
  // CloudWatch refuses longer descriptions; the rule and the first check come first, so cut the end.
  return text.length <= MAX_DESCRIPTION_LENGTH ? text : `${text.slice(0, MAX_DESCRIPTION_LENGTH - 1)}…`;
}
