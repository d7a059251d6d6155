/** The `alarms` section: the name prefix, the consensus rule and an override per catalogue entry. */
import { z } from "zod";
import { ALARM_IDS, type AlarmId, resolveAlarmSettings } from "../alarms.ts";
import { isRecord } from "../errors.ts";
import { MAX_VANTAGES } from "./deployment.ts";
import { EVERY_PASS, integer } from "./fields.ts";

const alarmOverride = z.strictObject({
  enabled: z.boolean().optional(),
  threshold: z.number().finite().optional(),
  evaluationPeriods: integer().min(1).max(60).optional(),
  datapointsToAlarm: integer().min(1).max(60).optional(),
});

const alarmOverrides = Object.fromEntries(ALARM_IDS.map((id) => [id, alarmOverride.optional()])) as Record<
  AlarmId,
  z.ZodOptional<typeof alarmOverride>
>;

export const alarmsSection = z
  .strictObject({
    /** Prefix of every alarm name: `<prefix>-<component>-<alarm>`. */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, {
        error: "may only contain letters, digits, '.', '_' and '-' (64 at most)",
      })
      .default("Meet"),
    /**
     * With several vantages: how many must see a check down before its down alarm fires. Default:
     * a strict majority of the vantages (checked against deployment.vantages by the config schema).
     */
    consensus: z.strictObject({ minVantages: integer().min(1).max(MAX_VANTAGES).optional() }).prefault({}),
    ...alarmOverrides,
  })
  .superRefine((section, ctx) => {
    for (const id of ALARM_IDS) {
      // Runs in the same pass as the field checks: a field of the wrong type counts as not set.
      const override: unknown = section[id];
      if (!isRecord(override)) continue;
      const { evaluationPeriods: evaluation, datapointsToAlarm: datapoints } = resolveAlarmSettings(id, {
        ...periodsField(override, "evaluationPeriods"),
        ...periodsField(override, "datapointsToAlarm"),
      });
      if (datapoints > evaluation) {
        ctx.addIssue({
          code: "custom",
          path: [id, "datapointsToAlarm"],
          message: `must not exceed evaluationPeriods (${evaluation})`,
        });
      }
    }
  }, EVERY_PASS)
  .prefault({});

/** `{ [field]: n }` when the override sets the field to a valid period count, else `{}`. */
function periodsField(
  override: Record<string, unknown>,
  field: "evaluationPeriods" | "datapointsToAlarm",
): { [K in typeof field]?: number } {
  const value = override[field];
  return typeof value === "number" && Number.isInteger(value) && value >= 1 ? { [field]: value } : {};
}

export type AlarmOverride = z.output<typeof alarmOverride>;
