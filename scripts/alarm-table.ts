/**
 * The README's alarm table, generated from the catalogue (functions/shared/alarms.ts) and the plan's
 * requirements ("Created when") so the docs cannot drift: a test checks, cell by cell, that README.md's "Alarms" section holds this table.
 *
 *   npx node scripts/alarm-table.ts   prints it; paste it into README.md, then format the README's
 *                                   tables as Biome does (`npx biome format --write README.md`)
 */
import { ALARM_DEFAULTS, ALARM_IDS, type AlarmDefault } from "../functions/shared/alarms.ts";
import { CHECK_NAME, type CheckComponent } from "../functions/shared/metrics.ts";
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
      return "`ErrorRate` (%), Component=backend; preset `alb`: 100 × (`HTTPCode_Target_5XX_Count` + `HTTPCode_ELB_5XX_Count`) / `RequestCount` of AWS/ApplicationELB";
    case "dbConnectionsNearLimit":
      return "`ConnectionsPercent`, Component=database; `rdsInstanceId`: 100 × AWS/RDS `DatabaseConnections` / `maxConnections`";
    case "certExpiringWarning":
    case "certExpiringCritical":
      return "`CertDaysLeft` of each https target (Component, Check)";
    case "probeFunctionFailing":
      return "AWS/Lambda `Errors` of the probe function";
    case "sourceUnreadable":
      return "`SourceUp` of each component with a Prometheus source (Component)";
  }
  if (!alarm.metric) throw new Error(`${alarm.id} has no metric`);
  const parts = [`\`${alarm.metric.name}\``];
  const component = alarm.component;
  if (component !== undefined) parts.push(`Component=${component}`);
  if (alarm.metric.dimensions.includes("Check") && component !== undefined) {
    parts.push(`Check=${CHECK_NAME[component as CheckComponent]}`);
  }
  return parts.join(", ");
}

function ruleText(alarm: AlarmDefault): string {
  const minutes = alarm.periodSeconds / 60;
  const period = minutes === 1 ? "one-minute" : `${minutes}-minute`;
  return `${alarm.comparison} ${alarm.threshold} for ${alarm.datapointsToAlarm} of ${alarm.evaluationPeriods} ${period} period${alarm.evaluationPeriods === 1 ? "" : "s"}`;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

export function alarmTableMarkdown(): string {
  const header = [
    "| Alarm (name `<prefix>-…`) | Id in `alarms` | Metric | Rule | Statistic | Missing data | Severity | Created when | Why |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  const rows = ALARM_IDS.map((id) => {
    const alarm = ALARM_DEFAULTS[id];
    const component =
      alarm.component ?? (id.startsWith("cert") || id === "sourceUnreadable" ? "<component>" : "monitor");
    return `| ${cell(alarm.title)} (\`${component}-${alarm.nameSuffix}\`) | \`${id}\` | ${cell(metricText(alarm))} | ${cell(ruleText(alarm))} | ${alarm.statistic} | ${MISSING[alarm.missingData]} | ${alarm.severity} | ${ALARM_REQUIREMENTS[id].when} | ${cell(alarm.why)} |`;
  });
  return [...header, ...rows].join("\n");
}

if (import.meta.main) {
  process.stdout.write(`${alarmTableMarkdown()}\n`);
}
