/**
 * The config's maintenance windows as CloudWatch alarm mute rules: during a window the alarms of
 * its components change state as usual but notify nobody (ALARM and OK alike); an alarm still in
 * ALARM when the window closes notifies then. The monitor's own alarms are never muted: a window
 * must not hide that the monitor itself is broken.
 */
import { Duration, TimeZone } from "aws-cdk-lib";
import { type Alarm, AlarmMuteRule, ScheduleExpression } from "aws-cdk-lib/aws-cloudwatch";
import { Construct } from "constructs";
import type { MaintenanceWindow } from "../functions/shared/config/index.ts";
import type { Component } from "../functions/shared/metrics.ts";
import type { PlannedAlarm } from "../functions/shared/plan/index.ts";

/** CloudWatch's limit on the alarms one mute rule names. */
export const MAX_ALARMS_PER_MUTE_RULE = 100;

/** The alarms a window mutes: those of its components (all of them by default), never the monitor's. */
export function mutedAlarms<T extends Pick<PlannedAlarm, "component">>(
  window: Pick<MaintenanceWindow, "components">,
  alarms: readonly T[],
): T[] {
  return alarms.filter(
    (alarm) =>
      alarm.component !== "monitor" &&
      (window.components === undefined || window.components.includes(alarm.component as Component)),
  );
}

/** A window's rule names: `<stack>-<window>`, then `-2`, `-3`... when it mutes more than 100 alarms. */
export function muteRuleName(stackName: string, windowName: string, part: number): string {
  return `${stackName}-${windowName}${part === 0 ? "" : `-${part + 1}`}`;
}

export interface MaintenanceWindowsProps {
  readonly stackName: string;
  readonly windows: readonly MaintenanceWindow[];
  readonly planned: readonly PlannedAlarm[];
  /** The CDK alarms, in the order of `planned`. */
  readonly alarms: readonly Alarm[];
}

export class MaintenanceWindows extends Construct {
  readonly rules: readonly AlarmMuteRule[];

  constructor(scope: Construct, id: string, props: MaintenanceWindowsProps) {
    super(scope, id);
    const pairs = props.planned.map((planned, index) => ({ component: planned.component, index }));
    const rules: AlarmMuteRule[] = [];
    for (const window of props.windows) {
      const targets = mutedAlarms(window, pairs).flatMap(({ index }) => props.alarms[index] ?? []);
      for (let part = 0; part * MAX_ALARMS_PER_MUTE_RULE < targets.length; part++) {
        const name = muteRuleName(props.stackName, window.name, part);
        rules.push(
          new AlarmMuteRule(this, name, {
            alarmMuteRuleName: name,
            description: `Maintenance window "${window.name}" of ${props.stackName}: mutes the alarms of ${window.components?.join(", ") ?? "every component"}`,
            schedule: ScheduleExpression.expression(
              window.schedule,
              window.timezone === undefined ? undefined : TimeZone.of(window.timezone),
            ),
            duration: Duration.minutes(window.durationMinutes),
            alarms: targets.slice(part * MAX_ALARMS_PER_MUTE_RULE, (part + 1) * MAX_ALARMS_PER_MUTE_RULE),
          }),
        );
      }
    }
    this.rules = rules;
  }
}
