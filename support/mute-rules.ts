/**
 * The alarm mute rules of the local CloudWatch endpoint: PutAlarmMuteRule (create or replace),
 * GetAlarmMuteRule, ListAlarmMuteRules (filtered by status and alarm name, paged) and
 * DeleteAlarmMuteRule, with the shapes of the CloudWatch API reference. What is modelled of the
 * schedule: an `at(...)` rule (read in UTC) is SCHEDULED before its start, ACTIVE for its duration
 * and EXPIRED after; a `cron(...)` rule is SCHEDULED; any rule past its ExpireDate is EXPIRED.
 */

export interface StoredMuteRule {
  readonly Name: string;
  readonly Description?: string;
  readonly Rule: { readonly Schedule: { Expression: string; Duration: string; Timezone?: string } };
  readonly MuteTargets?: { readonly AlarmNames: readonly string[] };
  /** Epoch seconds, as the JSON protocol sends timestamps. */
  readonly StartDate?: number;
  readonly ExpireDate?: number;
  readonly LastUpdatedTimestamp: number;
}

export interface MuteRuleStore {
  readonly rules: Map<string, StoredMuteRule>;
  /** The answer to a mute-rule operation; undefined for any other operation. */
  handle(
    operation: string,
    body: Readonly<Record<string, unknown>>,
  ): { status: number; body: unknown } | undefined;
}

export const MUTE_RULE_ARN_PREFIX = "arn:aws:cloudwatch:eu-west-3:123456789012:alarm-mute-rule:";
const MAX_TARGETS = 100;

/** Minutes of an ISO 8601 duration such as PT90M, PT2H or P1DT12H; undefined when not one. */
export function isoDurationMinutes(text: string): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(text);
  if (!match || text === "P" || text.endsWith("T")) return undefined;
  const [days, hours, minutes] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number];
  return days * 1440 + hours * 60 + minutes;
}

function atStart(expression: string): number | undefined {
  const match = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2})\)$/.exec(expression);
  return match ? Date.parse(`${match[1]}:00Z`) / 1000 : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const error = (status: number, type: string, message: string) => ({
  status,
  body: { __type: type, message },
});

export function createMuteRules(now: () => number): MuteRuleStore {
  const rules = new Map<string, StoredMuteRule>();

  const status = (rule: StoredMuteRule): "SCHEDULED" | "ACTIVE" | "EXPIRED" => {
    const seconds = now() / 1000;
    if (rule.ExpireDate !== undefined && seconds >= rule.ExpireDate) return "EXPIRED";
    const start = atStart(rule.Rule.Schedule.Expression);
    if (start === undefined) return "SCHEDULED";
    const end = start + (isoDurationMinutes(rule.Rule.Schedule.Duration) ?? 0) * 60;
    return seconds < start ? "SCHEDULED" : seconds < end ? "ACTIVE" : "EXPIRED";
  };
  const described = (rule: StoredMuteRule) => ({
    ...rule,
    AlarmMuteRuleArn: `${MUTE_RULE_ARN_PREFIX}${rule.Name}`,
    Status: status(rule),
    MuteType: rule.Rule.Schedule.Expression.startsWith("at(") ? "ONE_TIME" : "RECURRING",
  });

  const put = (body: Readonly<Record<string, unknown>>) => {
    const name = body.Name;
    const schedule = isRecord(body.Rule) && isRecord(body.Rule.Schedule) ? body.Rule.Schedule : undefined;
    if (typeof name !== "string" || name.length < 1 || name.length > 255) {
      return error(400, "InvalidParameterValueException", "Name must be 1 to 255 characters");
    }
    if (typeof schedule?.Expression !== "string" || typeof schedule.Duration !== "string") {
      return error(400, "MissingRequiredParameterException", "Rule.Schedule needs Expression and Duration");
    }
    const minutes = isoDurationMinutes(schedule.Duration);
    if (minutes === undefined || minutes < 1 || minutes > 15 * 1440) {
      return error(
        400,
        "InvalidParameterValueException",
        `Duration ${schedule.Duration} is not PT1M to P15D`,
      );
    }
    const targets = isRecord(body.MuteTargets) ? body.MuteTargets.AlarmNames : undefined;
    if (targets !== undefined && (!Array.isArray(targets) || targets.length > MAX_TARGETS)) {
      return error(
        400,
        "InvalidParameterValueException",
        `MuteTargets.AlarmNames takes 1 to ${MAX_TARGETS} names`,
      );
    }
    rules.set(name, {
      Name: name,
      ...(typeof body.Description === "string" ? { Description: body.Description } : {}),
      Rule: {
        Schedule: {
          Expression: schedule.Expression,
          Duration: schedule.Duration,
          ...(typeof schedule.Timezone === "string" ? { Timezone: schedule.Timezone } : {}),
        },
      },
      ...(targets ? { MuteTargets: { AlarmNames: targets.map(String) } } : {}),
      ...(typeof body.StartDate === "number" ? { StartDate: body.StartDate } : {}),
      ...(typeof body.ExpireDate === "number" ? { ExpireDate: body.ExpireDate } : {}),
      LastUpdatedTimestamp: now() / 1000,
    });
    return { status: 200, body: {} };
  };

  const list = (body: Readonly<Record<string, unknown>>) => {
    const statuses = Array.isArray(body.Statuses) ? body.Statuses.map(String) : undefined;
    const alarm = typeof body.AlarmName === "string" ? body.AlarmName : undefined;
    const max = typeof body.MaxRecords === "number" ? body.MaxRecords : 50;
    const start = typeof body.NextToken === "string" ? Number(body.NextToken) : 0;
    if (!Number.isInteger(start) || start < 0) return error(400, "InvalidNextToken", "bad NextToken");
    const matching = [...rules.values()]
      .map(described)
      .filter((rule) => statuses === undefined || statuses.includes(rule.Status))
      .filter((rule) => alarm === undefined || (rule.MuteTargets?.AlarmNames.includes(alarm) ?? false));
    const page = matching.slice(start, start + max);
    return {
      status: 200,
      body: {
        AlarmMuteRuleSummaries: page.map((rule) => ({
          AlarmMuteRuleArn: rule.AlarmMuteRuleArn,
          Status: rule.Status,
          MuteType: rule.MuteType,
          LastUpdatedTimestamp: rule.LastUpdatedTimestamp,
          ...(rule.ExpireDate === undefined ? {} : { ExpireDate: rule.ExpireDate }),
        })),
        ...(start + max < matching.length ? { NextToken: String(start + max) } : {}),
      },
    };
  };

  return {
    rules,
    handle(operation, body) {
      const name = typeof body.AlarmMuteRuleName === "string" ? body.AlarmMuteRuleName : "";
      switch (operation) {
        case "PutAlarmMuteRule":
          return put(body);
        case "ListAlarmMuteRules":
          return list(body);
        case "GetAlarmMuteRule": {
          const rule = rules.get(name);
          if (!rule) return error(404, "ResourceNotFoundException", `no alarm mute rule named ${name}`);
          return { status: 200, body: described(rule) };
        }
        case "DeleteAlarmMuteRule":
          rules.delete(name);
          return { status: 200, body: {} };
        default:
          return undefined;
      }
    },
  };
}
