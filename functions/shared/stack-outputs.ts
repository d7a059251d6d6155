/** Stack output names: set by the stack, read by the operator commands from `cdk deploy --outputs-file`. */
import type { Component } from "./metrics.ts";

export const OUTPUTS = {
  criticalTopicArn: "CriticalTopicArn",
  warningTopicArn: "WarningTopicArn",
  dashboardUrl: "DashboardUrl",
  probeFunctionName: "ProbeFunctionName",
  /** The home region: where the alarms, and the mute rules of `npm run maintenance`, live. */
  alarmRegion: "AlarmRegion",
  criticalTestAlarmName: "CriticalTestAlarmName",
  warningTestAlarmName: "WarningTestAlarmName",
} as const;

/** The output listing a component's alarms (comma-separated names): what a maintenance window mutes. */
export function componentAlarmsOutput(component: Component): string {
  return `AlarmsOf${component.charAt(0).toUpperCase()}${component.slice(1)}`;
}

/** The output's component, for an output named by componentAlarmsOutput. */
export function componentOfOutput(name: string): string | undefined {
  const match = /^AlarmsOf([A-Z][A-Za-z0-9]*)$/.exec(name);
  return match ? `${match[1]?.charAt(0).toLowerCase()}${match[1]?.slice(1)}` : undefined;
}
