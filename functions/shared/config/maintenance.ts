/**
 * The `maintenance` section: recurring windows during which the alarms of some components send
 * no notification (CloudWatch alarm mute rules), so planned work pages nobody and nobody has to
 * remember to unmute. The monitor's own alarms are never muted.
 */
import { z } from "zod";
import { isRecord } from "../errors.ts";
import { COMPONENTS } from "../metrics.ts";
import { integer } from "./fields.ts";

/** CloudWatch accepts mute durations from one minute to 15 days. */
export const MAX_MUTE_MINUTES = 15 * 24 * 60;

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

/** The five fields of a mute rule's cron expression, in order. */
const CRON_FIELDS: readonly CronField[] = [
  { name: "minutes", min: 0, max: 59 },
  { name: "hours", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day of week", min: 0, max: 7, names: DAYS },
];

/**
 * What is wrong with a schedule expression, or undefined when CloudWatch's mute rules accept its
 * form: `cron(minutes hours day-of-month month day-of-week)` with `*`, `-` and `,` (English
 * names for months and days), or `at(yyyy-MM-ddThh:mm)` for a one-time window.
 */
export function scheduleProblem(expression: string): string | undefined {
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})\)$/.exec(expression);
  if (at) {
    const [year, month, day, hour, minute] = at.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute));
    const valid =
      date.getUTCFullYear() === year &&
      date.getUTCMonth() === month - 1 &&
      date.getUTCDate() === day &&
      hour < 24 &&
      minute < 60;
    return valid ? undefined : `${expression} is not a real date and time`;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return "must be cron(minutes hours day-of-month month day-of-week) or at(yyyy-MM-ddThh:mm)";
  const fields = (cron[1] ?? "").trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    return `cron takes 5 fields (minutes hours day-of-month month day-of-week), found ${fields.length}`;
  }
  for (const [index, field] of CRON_FIELDS.entries()) {
    const problem = cronFieldProblem(fields[index] ?? "", field);
    if (problem) return problem;
  }
  if (fields[2] !== "*" && fields[4] !== "*") {
    return "set the day of the month or the day of the week, not both (use * for the other)";
  }
  return undefined;
}

function cronFieldProblem(text: string, field: CronField): string | undefined {
  if (text === "*") return undefined;
  for (const item of text.split(",")) {
    const bounds = item.split("-");
    if (bounds.length > 2 || bounds.some((bound) => cronValue(bound, field) === undefined)) {
      return `"${text}" is not a valid ${field.name} field (${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : ""}, lists with "," and ranges with "-")`;
    }
  }
  return undefined;
}

function cronValue(text: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named;
  if (!/^\d{1,2}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const maintenanceWindow = z.strictObject({
  /** Names the mute rule (`<stackName>-<name>`): letters, digits, '-' and '_'. */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
    error: "may only contain letters, digits, '-' and '_' (64 at most)",
  }),
  /** When the window opens: cron(...) for a recurring window, at(...) for a one-time one. */
  schedule: z.string().superRefine((value, ctx) => {
    const problem = scheduleProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  durationMinutes: integer()
    .min(1)
    .max(MAX_MUTE_MINUTES, { error: `must be at most ${MAX_MUTE_MINUTES} (15 days, CloudWatch's limit)` }),
  /** The time zone the schedule is read in (IANA name such as Europe/Paris). @default UTC */
  timezone: z
    .string()
    .refine(isTimeZone, { error: "must be an IANA time zone such as Europe/Paris or UTC" })
    .optional(),
  /** Whose alarms are muted. @default every component (never the monitor's own alarms) */
  components: z
    .array(z.enum(COMPONENTS, { error: `must be one of ${COMPONENTS.join(", ")}` }))
    .min(1)
    .optional(),
});

export const maintenanceSection = z
  .array(maintenanceWindow)
  .max(20)
  .superRefine(
    (windows, ctx) => {
      const seen = new Set<string>();
      windows.forEach((window: unknown, index) => {
        // Runs in the same pass as the windows' own checks: a window without a string name is theirs.
        const name = isRecord(window) && typeof window.name === "string" ? window.name : undefined;
        if (name === undefined) return;
        if (seen.has(name)) {
          ctx.addIssue({ code: "custom", path: [index, "name"], message: `"${name}" is used twice` });
        }
        seen.add(name);
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  )
  .default([]);

export type MaintenanceWindow = z.output<typeof maintenanceWindow>;
