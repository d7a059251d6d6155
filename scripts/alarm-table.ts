/**
 * The alarm reference of docs/alarms.md, generated from the catalogue (functions/shared/alarms.ts)
 * and the plan's requirements ("Created when") so the docs cannot drift: a test checks that the
 * "## Reference" section of docs/alarms.md holds exactly this text (table cells compared after
 * Biome's padding).
 *
 *   npx node scripts/alarm-table.ts   prints it; paste it under "## Reference" in docs/alarms.md,
 *                                   then `npm run format` (Biome pads the table)
 */
import { ALARM_DEFAULTS, ALARM_IDS, type AlarmDefault } from "../functions/shared/alarms.ts";
import { CHECK_NAME, type CheckComponent, CheckMetrics } from "../functions/shared/metrics.ts";
import { ALARM_REQUIREMENTS } from "../functions/shared/plan/index.ts";

const MISSING: Record<AlarmDefault["missingData"], string> = {
  ignore: "ignore (keeps its state)",
  notBreaching: "not breaching",
  breaching: "**breaching**",
  missing: "missing",
};

function metricText(alarm: AlarmDefault): string {
  switch (alarm.id) {
    case "highErrorRate":
      return "`ErrorRate` (%), Component=backend; preset `alb`: 100 × (`HTTPCode_Target_5XX_Count` + `HTTPCode_ELB_5XX_Count`) / (`RequestCount` + the ELB 5xx that reached no target) of AWS/ApplicationELB (see docs/alarms.md)";
    case "dbConnectionsNearLimit":
      return "`ConnectionsPercent`, Component=database; `rdsInstanceId`: 100 × AWS/RDS `DatabaseConnections` / `maxConnections`";
    case "certExpiringWarning":
    case "certExpiringCritical":
      return "`CertDaysLeft` of each https target, TURN over TLS and the S3 endpoint (Component, Check)";
    case "probeFunctionFailing":
      return "AWS/Lambda `Errors` of the probe function";
    case "pageUndelivered":
      return "AWS/SQS `ApproximateNumberOfMessagesVisible` of the dead-letter queue of the https subscriptions";
    case "sourceUnreadable":
      return "`SourceUp` of each component with a white-box source (Component)";
    case "turnFailing":
      return "`Up` of each TURN transport the join lists, Component=livekit, Check=turn-udp, turn-tcp or turn-tls";
    case "slowResponses":
      return "`ResponseTimeP95` (ms), Component=backend; preset `alb`: 1000 × AWS/ApplicationELB `TargetResponseTime` p95";
    case "redisMemoryHigh":
      return "`RedisMemoryPercent`, Component=redis; `cacheClusterId`: AWS/ElastiCache `DatabaseMemoryUsagePercentage` of the node";
    case "replicationLagHigh":
      return "`ReplicationLag` (s), Component=database; `rdsReplicaInstanceIds`: the highest AWS/RDS `ReplicaLag`";
    case "consensusLost":
      return "`MonitorHeartbeat` of every vantage: `alarms.consensus.minVantages` minus the vantages that completed a cycle";
    case "vantageSilent":
      return "`MonitorHeartbeat`, Vantage=<region>";
    case "partialOutage":
      return "`Up` of each check from every vantage: how many see it down, while fewer than `alarms.consensus.minVantages` do (else 0)";
  }
  if (!alarm.metric) throw new Error(`${alarm.id} has no metric`);
  const parts = [`\`${alarm.metric.name}\``];
  const component = alarm.component;
  if (component !== undefined) parts.push(`Component=${component}`);
  if (alarm.metric.dimensions.includes("Host")) parts.push("Host: one alarm per host");
  if (alarm.metric.dimensions.includes("Check") && component !== undefined) {
    parts.push(`Check=${alarm.check ?? CHECK_NAME[component as CheckComponent]}`);
  }
  return parts.join(", ");
}

/** An alarm on a check's Up: a consensus alarm with several vantages (plan/vantage-alarms.ts). */
function isDownAlarm(alarm: AlarmDefault): boolean {
  return alarm.metric === CheckMetrics.Up && alarm.id !== "partialOutage";
}

function ruleText(alarm: AlarmDefault): string {
  const minutes = alarm.periodSeconds / 60;
  const period = minutes === 1 ? "one-minute" : `${minutes}-minute`;
  return `${alarm.comparison} ${alarm.threshold} for ${alarm.datapointsToAlarm} of ${alarm.evaluationPeriods} ${period} period${alarm.evaluationPeriods === 1 ? "" : "s"}`;
}

/** The component part of the alarm's name: its own, one per component, or the monitor itself. */
function componentText(alarm: AlarmDefault): string {
  if (alarm.metric?.dimensions.includes("Host")) return `${alarm.component}-<host>`;
  if (alarm.component !== undefined) return alarm.component;
  if (alarm.id === "vantageSilent") return "monitor-<region>";
  return alarm.metric?.dimensions.includes("Component") ? "<component>" : "monitor";
}

/** The check part of the alarm's name: a deep check's, each TURN transport's, or none. */
function checkText(alarm: AlarmDefault): string {
  if (alarm.id === "turnFailing") return "-<check>";
  if (["certExpiringWarning", "certExpiringCritical", "partialOutage"].includes(alarm.id))
    return "[-<check>]";
  return alarm.check === undefined ? "" : `-${alarm.check}`;
}

/** Catalogue text as Markdown: `__x__` would render as bold (and Biome rewrites it so). */
function prose(text: string): string {
  return text.replaceAll("__", "\\_\\_");
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/**
 * The alarm reference of docs/alarms.md: a summary table narrow enough for a terminal, then one
 * short section per alarm with everything the catalogue and the plan say about it.
 */
export function alarmReferenceMarkdown(): string {
  const summary = [
    "| Id in `alarms` | Severity | Rule |",
    "|---|---|---|",
    ...ALARM_IDS.map((id) => {
      const alarm = ALARM_DEFAULTS[id];
      return `| \`${id}\` | ${alarm.severity} | ${cell(ruleText(alarm))} |`;
    }),
  ];
  const sections = ALARM_IDS.flatMap((id) => {
    const alarm = ALARM_DEFAULTS[id];
    return [
      "",
      `### ${alarm.title} (\`${id}\`)`,
      "",
      `- Name: \`<prefix>-${componentText(alarm)}${checkText(alarm)}-${alarm.nameSuffix}\``,
      `- Severity: ${alarm.severity}`,
      `- Metric: ${metricText(alarm)}`,
      `- Rule: ${ruleText(alarm)}; statistic ${alarm.statistic}; missing data: ${MISSING[alarm.missingData]}`,
      ...(isDownAlarm(alarm)
        ? [
            "- With several vantages: a consensus alarm, `>= alarms.consensus.minVantages` vantages breaking this rule in the same minutes ([vantages.md](vantages.md#the-consensus-rule))",
          ]
        : []),
      `- Created when: ${ALARM_REQUIREMENTS[id].when}`,
      `- Means: ${prose(alarm.meaning)}`,
      `- First check: ${prose(alarm.firstCheck)}`,
      `- Guide row: ${prose(alarm.guideRow)}`,
      `- Why this rule: ${prose(alarm.why)}`,
    ];
  });
  return [...summary, ...sections].join("\n");
}

if (import.meta.main) {
  process.stdout.write(`${alarmReferenceMarkdown()}\n`);
}
