/**
 * Which alarms a configuration gets, and with which settings: a pure function of the config and
 * the catalogue (functions/shared/alarms.ts). The CDK construct turns the plan into CloudWatch
 * alarms, the app warns about overrides that match no alarm, and the README's table is checked
 * against the same catalogue.
 */
import {
  ALARM_DEFAULTS,
  ALARM_IDS,
  type AlarmDefault,
  type AlarmId,
  type MissingData,
  resolveAlarmSettings,
} from "../functions/shared/alarms.ts";
import { type MonitorConfig, scrapedComponents } from "../functions/shared/config.ts";
import type { CheckComponent, Component, MetricSpec } from "../functions/shared/metrics.ts";

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

/** The https targets whose certificates are watched: each check's base URL that uses https. */
export function httpsCheckTargets(config: MonitorConfig): CheckComponent[] {
  const { backend, livekit, garage } = config.targets;
  const bases: [CheckComponent, string | undefined][] = [
    ["backend", backend?.url],
    ["livekit", livekit?.url],
    ["garage", garage?.adminUrl],
  ];
  return bases.filter(([, url]) => url?.startsWith("https:")).map(([component]) => component);
}

type Candidate = { readonly component: Component | "monitor"; readonly source: AlarmSource };

/** For each catalogue entry, the alarms this config calls for (none when the source is absent). */
function candidates(id: AlarmId, config: MonitorConfig): Candidate[] | string {
  const defaults = ALARM_DEFAULTS[id];
  const { backend, livekit, garage, database } = config.targets;
  const contract = (component?: Component): Candidate[] => {
    if (!defaults.metric) throw new Error(`${id} has no metric in the catalogue`);
    const owner = component ?? defaults.component;
    if (owner === undefined) throw new Error(`${id} has no component`);
    return [{ component: owner, source: { kind: "contract", spec: defaults.metric, component: owner } }];
  };
  switch (id) {
    case "backendDown":
      return backend ? contract() : "no targets.backend";
    case "livekitDown":
      return livekit ? contract() : "no targets.livekit";
    case "garageDown":
    case "garageDegraded":
      return garage ? contract() : "no targets.garage";
    case "highErrorRate": {
      const requests = backend?.requests;
      if (!requests) return "no targets.backend.requests";
      if (requests.preset === "alb") {
        return [
          {
            component: "backend",
            source: {
              kind: "alb",
              loadBalancer: requests.loadBalancer,
              ...(requests.targetGroup === undefined ? {} : { targetGroup: requests.targetGroup }),
            },
          },
        ];
      }
      return contract();
    }
    case "highPacketLoss":
    case "recordingWebhookFailures":
      return livekit?.metricsUrl ? contract() : "no targets.livekit.metricsUrl";
    case "dbConnectionsNearLimit":
      if (!database) return "no targets.database";
      if (database.rdsInstanceId !== undefined && database.maxConnections !== undefined) {
        return [
          {
            component: "database",
            source: {
              kind: "rds",
              instanceId: database.rdsInstanceId,
              maxConnections: database.maxConnections,
            },
          },
        ];
      }
      return contract();
    case "diskSpace":
      return scrapedComponents(config).includes("garage")
        ? contract()
        : "no Garage metrics (targets.garage.metrics)";
    case "sourceUnreadable": {
      const components = scrapedComponents(config);
      if (components.length === 0) return "no Prometheus source";
      return components.flatMap((component) => contract(component));
    }
    case "certExpiringWarning":
    case "certExpiringCritical": {
      const targets = httpsCheckTargets(config);
      if (targets.length === 0) return "no https target";
      return targets.flatMap((component) => contract(component));
    }
    case "monitorSilent":
      if (!defaults.metric) throw new Error(`${id} has no metric in the catalogue`);
      return [{ component: "monitor", source: { kind: "contract", spec: defaults.metric } }];
    case "probeFunctionFailing":
      return [{ component: "monitor", source: { kind: "lambdaErrors" } }];
  }
}

/** Alarms that always carry their component in their key, even when there is only one. */
const PER_COMPONENT: ReadonlySet<AlarmId> = new Set([
  "certExpiringWarning",
  "certExpiringCritical",
  "sourceUnreadable",
]);

export function planAlarms(config: MonitorConfig): AlarmPlan {
  const alarms: PlannedAlarm[] = [];
  const skipped: SkippedAlarm[] = [];
  for (const id of ALARM_IDS) {
    const settings = resolveAlarmSettings(id, config.alarms[id]);
    if (!settings.enabled) {
      skipped.push({ id, reason: "disabled", detail: `alarms.${id}.enabled is false` });
      continue;
    }
    const found = candidates(id, config);
    if (typeof found === "string") {
      skipped.push({ id, reason: "not-configured", detail: found });
      continue;
    }
    const defaults = ALARM_DEFAULTS[id];
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
