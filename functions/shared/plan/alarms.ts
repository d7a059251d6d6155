/**
 * Which alarms a configuration gets, and with which settings: a pure function of the config, the
 * catalogue (../alarms.ts) and the planned checks and sources. The CDK construct turns the plan
 * into CloudWatch alarms, the app warns about overrides that match no alarm, and the docs' alarm
 * table takes its "Created when" column from the same requirements.
 */
import type { AlarmRule } from "../alarm-rule.ts";
import {
  ALARM_DEFAULTS,
  ALARM_IDS,
  type AlarmDefault,
  type AlarmId,
  type MissingData,
  resolveAlarmSettings,
} from "../alarms.ts";
import type { MonitorConfig } from "../config/index.ts";
import { type CheckName, type Component, TURN_CHECKS } from "../metrics.ts";
import { type AlarmSource, sourceText } from "./alarm-source.ts";
import { checkKind, httpsChecks, type PlannedCheck, planChecks } from "./checks.ts";
import { LAYER_REQUIREMENTS } from "./layer-alarms.ts";
import { albOf, contract, onCheck, onSource, type PlanContext, type Requirement } from "./requirement.ts";
import type { SourceInstance, SourceKindId } from "./source-kind.ts";
import { planSources, sourceKind, sourceKinds } from "./sources.ts";
import { isVantageSource, VANTAGE_REQUIREMENTS, vantageRuleText, withConsensus } from "./vantage-alarms.ts";
import { planVantages, type VantagePlan } from "./vantages.ts";

export { type AlarmSource, sourceText } from "./alarm-source.ts";
export type { Requirement } from "./requirement.ts";

/** A catalogue entry as this config gets it: its rule with the overrides applied, and where from. */
export interface PlannedAlarm extends Pick<AlarmDefault, "id" | "severity">, AlarmRule {
  /** Unique within the stack: the id, plus the component for per-target alarms. */
  readonly key: string;
  readonly name: string;
  /** The component it watches, or "monitor" for the monitor's own alarms. */
  readonly component: Component | "monitor";
  /** The host it watches, for the per-host alarms. */
  readonly instance?: SourceInstance;
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

/**
 * `<prefix>-<component>[-<check>][-<host>][-<vantage>]-<suffix>`: the check is named unless it is
 * the health check, the host for the per-host alarms, the vantage for the alarms of one vantage.
 */
export function alarmName(
  prefix: string,
  component: Component | "monitor",
  id: AlarmId,
  check?: CheckName,
  instance?: SourceInstance,
  vantage?: string,
): string {
  const owner = `${component}${check === undefined ? "" : `-${check}`}${instance ? `-${instance.value}` : ""}${vantage === undefined ? "" : `-${vantage}`}`;
  return `${prefix}-${owner}-${ALARM_DEFAULTS[id].nameSuffix}`;
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
      const alb = albOf(config);
      if (alb) return [{ component: "backend", source: { kind: "alb", ...alb } }];
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
    when: "each component with a white-box source",
    find: ({ sources }, defaults) =>
      [...new Set(sources.map((kind) => sourceKind(kind).component))].map((component) =>
        contract(defaults, component),
      ),
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
  monitorSilent: {
    when: "one vantage (the default)",
    find: (context, defaults) => (context.vantages.consensus ? [] : always(context, defaults)),
  },
  probeFunctionFailing: {
    when: "a probe in the home region (the default)",
    find: (context, defaults) =>
      context.vantages.vantages.some((vantage) => vantage.home) ? always(context, defaults) : [],
  },
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
  // The guide's other layers.
  ...LAYER_REQUIREMENTS,
  // Several vantages (deployment.vantages).
  ...VANTAGE_REQUIREMENTS,
  pageUndelivered: {
    when: "an https URL in `alerts`",
    find: ({ config }) =>
      hasHttpsSubscriber(config) ? [{ component: "monitor", source: { kind: "deadLetterQueue" } }] : [],
  },
};

/** Whether any alarm topic has an https subscriber (PagerDuty, Opsgenie), which gets a dead-letter queue. */
export function hasHttpsSubscriber(config: MonitorConfig): boolean {
  return (config.alerts.critical?.urls?.length ?? 0) + (config.alerts.warning?.urls?.length ?? 0) > 0;
}

/** Alarms that always carry their component in their key, even when there is only one. */
const PER_COMPONENT: ReadonlySet<AlarmId> = new Set([
  "certExpiringWarning",
  "certExpiringCritical",
  "sourceUnreadable",
  "turnFailing",
  "partialOutage",
  "vantageSilent",
]);

export function planAlarms(
  config: MonitorConfig,
  checks: readonly PlannedCheck[] = planChecks(config),
  sources: readonly SourceKindId[] = sourceKinds(planSources(config)),
  vantages: VantagePlan = planVantages(config),
): AlarmPlan {
  const context: PlanContext = { config, checks, sources, vantages };
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
    for (const { component, source, check, instance, vantage } of found) {
      const target =
        vantage ??
        `${component}${check === undefined ? "" : `-${check}`}${instance ? `-${instance.value}` : ""}`;
      const draft = {
        id,
        key: perTarget || instance ? `${id}-${target}` : id,
        name: alarmName(config.alarms.prefix, component, id, check, instance, vantage),
        component,
        ...(instance ? { instance } : {}),
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
      // With several vantages an alarm on a check's Up becomes a consensus alarm.
      const planned = withConsensus(draft, vantages);
      alarms.push({ ...planned, description: describe(defaults, planned) });
    }
  }
  return { alarms, skipped };
}

export function ruleText(alarm: Omit<PlannedAlarm, "description" | "key" | "name" | "id">): string {
  const { source } = alarm;
  const statistic = `${
    source.kind === "alb" ? "Sum of the counts" : source.kind === "albResponseTime" ? "p95" : alarm.statistic
  } per ${alarm.periodSeconds} s`;
  // The alarms over several vantages name each vantage and say how a silent one counts.
  const vantages = isVantageSource(source) ? vantageRuleText(source, statistic) : undefined;
  const watched = vantages?.watched ?? `${sourceText(source)} (${statistic})`;
  const note = vantages ? ` (${vantages.note})` : "";
  return `${watched} ${alarm.comparison} ${alarm.threshold} for ${alarm.datapointsToAlarm} of ${alarm.evaluationPeriods} periods${note}; missing data: ${MISSING_DATA_TEXT[alarm.missingData]}`;
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
