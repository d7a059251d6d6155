/**
 * The CloudWatch calls of `npm run maintenance`: one-time alarm mute rules (PutAlarmMuteRule with
 * an `at(...)` schedule and an expiry, so nobody has to remember to unmute), the active and
 * scheduled rules that mute a stack's alarms (ListAlarmMuteRules, then GetAlarmMuteRule for each),
 * and the removal of a one-time rule (DeleteAlarmMuteRule).
 */
import {
  type CloudWatchClient,
  DeleteAlarmMuteRuleCommand,
  GetAlarmMuteRuleCommand,
  type GetAlarmMuteRuleCommandOutput,
  ListAlarmMuteRulesCommand,
  PutAlarmMuteRuleCommand,
} from "@aws-sdk/client-cloudwatch";
import { errorCode } from "../functions/shared/errors.ts";

export type MuteRuleClient = Pick<CloudWatchClient, "send">;

/** CloudWatch's limit on the alarms one mute rule names (the stack splits its windows the same way). */
export const MAX_ALARMS_PER_RULE = 100;

export interface OneTimeWindow {
  /** The rule's name; `-2`, `-3`... are added when it mutes more than 100 alarms. */
  readonly name: string;
  readonly start: Date;
  readonly minutes: number;
  readonly alarmNames: readonly string[];
  readonly description: string;
}

/** `at(yyyy-MM-ddThh:mm)` in UTC. */
export function atExpression(date: Date): string {
  return `at(${date.toISOString().slice(0, 16)})`;
}

/** The first whole minute after `now`: an at() schedule names a minute, and one not yet past. */
export function nextMinute(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
}

/** Creates the window's rules; returns their names. */
export async function putOneTimeWindow(client: MuteRuleClient, window: OneTimeWindow): Promise<string[]> {
  const names: string[] = [];
  const expire = new Date(window.start.getTime() + window.minutes * 60_000);
  for (let part = 0; part * MAX_ALARMS_PER_RULE < window.alarmNames.length; part++) {
    const name = part === 0 ? window.name : `${window.name}-${part + 1}`;
    await client.send(
      new PutAlarmMuteRuleCommand({
        Name: name,
        Description: window.description,
        Rule: {
          Schedule: {
            Expression: atExpression(window.start),
            Duration: `PT${window.minutes}M`,
            Timezone: "UTC",
          },
        },
        MuteTargets: {
          AlarmNames: window.alarmNames.slice(part * MAX_ALARMS_PER_RULE, (part + 1) * MAX_ALARMS_PER_RULE),
        },
        // Past its window the rule reads EXPIRED instead of lingering as scheduled.
        ExpireDate: expire,
      }),
    );
    names.push(name);
  }
  return names;
}

export interface MuteRuleView {
  readonly name: string;
  readonly status: string;
  readonly type: string;
  readonly expression: string;
  readonly duration: string;
  readonly timezone: string;
  readonly expires?: Date;
  readonly description: string;
  /** The stack's alarms it mutes. */
  readonly alarmNames: readonly string[];
}

/** The rule name at the end of a mute rule ARN (…:alarm-mute-rule:NAME). */
export function ruleNameOf(arn: string): string {
  const marker = ":alarm-mute-rule:";
  const at = arn.lastIndexOf(marker);
  return at === -1 ? arn : arn.slice(at + marker.length);
}

function view(rule: GetAlarmMuteRuleCommandOutput, name: string, ours: ReadonlySet<string>): MuteRuleView {
  const schedule = rule.Rule?.Schedule;
  return {
    name: rule.Name ?? name,
    status: rule.Status ?? "?",
    type: rule.MuteType ?? "?",
    expression: schedule?.Expression ?? "?",
    duration: schedule?.Duration ?? "?",
    timezone: schedule?.Timezone ?? "UTC",
    ...(rule.ExpireDate ? { expires: rule.ExpireDate } : {}),
    description: rule.Description ?? "",
    alarmNames: (rule.MuteTargets?.AlarmNames ?? []).filter((alarm) => ours.has(alarm)),
  };
}

/** The active and scheduled rules of the region that mute at least one of these alarms. */
export async function listWindows(
  client: MuteRuleClient,
  alarmNames: readonly string[],
): Promise<MuteRuleView[]> {
  const ours = new Set(alarmNames);
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListAlarmMuteRulesCommand({
        Statuses: ["ACTIVE", "SCHEDULED"],
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const summary of page.AlarmMuteRuleSummaries ?? []) {
      if (summary.AlarmMuteRuleArn) names.push(ruleNameOf(summary.AlarmMuteRuleArn));
    }
    token = page.NextToken;
  } while (token);
  const views: MuteRuleView[] = [];
  for (const name of names) {
    const rule = await getRule(client, name);
    // Deleted between the list and the get: nothing to show.
    if (!rule) continue;
    const found = view(rule, name, ours);
    if (found.alarmNames.length > 0) views.push(found);
  }
  return views;
}

async function getRule(
  client: MuteRuleClient,
  name: string,
): Promise<GetAlarmMuteRuleCommandOutput | undefined> {
  try {
    return await client.send(new GetAlarmMuteRuleCommand({ AlarmMuteRuleName: name }));
  } catch (error) {
    if (
      errorCode(error) === "ResourceNotFoundException" ||
      (error as Error).name === "ResourceNotFoundException"
    ) {
      return undefined;
    }
    throw error;
  }
}

export type EndOutcome =
  | { readonly ended: true; readonly rule: MuteRuleView }
  | { readonly ended: false; readonly reason: string };

/**
 * Removes a one-time rule that mutes the stack's alarms. A recurring window belongs to the
 * configuration (and to the stack's template): removing it here would only drift from both.
 */
export async function endWindow(
  client: MuteRuleClient,
  name: string,
  alarmNames: readonly string[],
): Promise<EndOutcome> {
  const rule = await getRule(client, name);
  if (!rule) return { ended: false, reason: `there is no alarm mute rule named ${name}` };
  const found = view(rule, name, new Set(alarmNames));
  if (found.alarmNames.length === 0) {
    return { ended: false, reason: `${name} mutes none of this stack's alarms: it is not this monitor's` };
  }
  if (found.type !== "ONE_TIME") {
    return {
      ended: false,
      reason: `${name} is a recurring window of the configuration: remove it from "maintenance" and deploy`,
    };
  }
  await client.send(new DeleteAlarmMuteRuleCommand({ AlarmMuteRuleName: name }));
  return { ended: true, rule: found };
}
