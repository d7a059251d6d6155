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
import {
  CHECK_NAME,
  type CheckName,
  type Component,
  type MetricSpec,
  type SourceComponent,
  TURN_CHECKS,
} from "../metrics.ts";
import { checkKind, httpsChecks, type PlannedCheck, planChecks } from "./checks.ts";
import { planSources, sourceComponents, sourceKind } from "./sources.ts";

/** Where an alarm's datapoints come from. */
export type AlarmSource =
  /** A metric of the monitor's own contract (namespace from the config). */
  | {
      readonly kind: "contract";
      readonly spec: MetricSpec;
      readonly component?: Component;
      /** The Check dimension, when it is not the component's health check. */
      readonly check?: CheckName;
    }
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

/** `<prefix>-<component>[-<check>]-<suffix>`: the check is named unless it is the health check. */
export function alarmName(
  prefix: string,
  component: Component | "monitor",
  id: AlarmId,
  check?: CheckName,
): string {
  return `${prefix}-${component}${check === undefined ? "" : `-${check}`}-${ALARM_DEFAULTS[id].nameSuffix}`;
}

type Candidate = {
  readonly component: Component | "monitor";
  readonly source: AlarmSource;
  /** The deep check it watches (named in the alarm's name and key). */
  readonly check?: CheckName;
};

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

function contract(defaults: AlarmDefault, component?: Component, check = defaults.check): Candidate {
  if (!defaults.metric) throw new Error(`${defaults.id} has no metric in the catalogue`);
  const owner = component ?? defaults.component;
  if (owner === undefined) throw new Error(`${defaults.id} has no component`);
  // The health check's alarms keep the names they have always had.
  const deep =
    check !== undefined && check !== CHECK_NAME[owner as keyof typeof CHECK_NAME] ? check : undefined;
  return {
    component: owner,
    source: { kind: "contract", spec: defaults.metric, component: owner, ...(deep ? { check: deep } : {}) },
    ...(deep ? { check: deep } : {}),
  };
}

/** An alarm on a check's own metrics (the health check unless `check` is given): created with it. */
function onCheck(component: PlannedCheck["component"], check?: CheckName): Requirement {
  const kind = checkKind(component, check);
  return {
    when: kind.configuredBy,
    find: ({ checks }, defaults) =>
      checks.some((planned) => planned.component === component && planned.check === kind.check)
        ? [contract(defaults)]
        : [],
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
    when: "each https target (and TURN over TLS, the S3 endpoint)",
    find: ({ checks }, defaults) =>
      httpsChecks(checks).map((check) => contract(defaults, check.component, check.check)),
  },
  certExpiringCritical: {
    when: "each https target (and TURN over TLS, the S3 endpoint)",
    find: ({ checks }, defaults) =>
      httpsChecks(checks).map((check) => contract(defaults, check.component, check.check)),
  },
  monitorSilent: { when: "always", find: always },
  probeFunctionFailing: { when: "always", find: always },
  // Deep checks (docs/deep-checks.md): join, TURN, webhook, S3.
  livekitJoinFailing: onCheck("livekit", "join"),
  turnFailing: {
    when: checkKind("livekit", "turn-udp").configuredBy,
    find: ({ checks }, defaults) =>
      checks
        .filter((planned) => (TURN_CHECKS as readonly CheckName[]).includes(planned.check))
        .map((planned) => contract(defaults, "livekit", planned.check)),
  },
  turnAllFailing: {
    when: checkKind("livekit", "turn-udp").configuredBy,
    find: ({ checks }, defaults) =>
      checks.some((planned) => (TURN_CHECKS as readonly CheckName[]).includes(planned.check))
        ? [contract(defaults)]
        : [],
  },
  webhookRejected: onCheck("backend", "webhook"),
  recordingStorageFailing: onCheck("garage", "s3"),
};

/** Alarms that always carry their component in their key, even when there is only one. */
const PER_COMPONENT: ReadonlySet<AlarmId> = new Set([
  "certExpiringWarning",
  "certExpiringCritical",
  "sourceUnreadable",
  "turnFailing",
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
    for (const { component, source, check } of found) {
      const target = check === undefined ? component : `${component}-${check}`;
      const base = {
        id,
        key: perTarget ? `${id}-${target}` : id,
        name: alarmName(config.alarms.prefix, component, id, check),
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
      if (source.component === undefined) return source.spec.name;
      return `${source.spec.name} of ${source.component}${source.check === undefined ? "" : `/${source.check}`}`;
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
