/**
 * The metric math of the alarms that read several vantages, as text: the CDK alarms are built
 * from it, and the docs' truth table is computed by evaluating the very same expressions.
 *
 * Each vantage's metric has an id naming its region (`up_eu_west_3`). A vantage that publishes
 * nothing in a minute is FILLed as "not down", so silence can never page; the same sum with the
 * silent vantages FILLed as "down" tells whether they could have changed the outcome, and when
 * they could, the decision has no datapoint (the alarm keeps its state): a dead vantage can
 * neither page nor resolve an outage. Its silence has its own alarm.
 */
import type { Comparison } from "../alarms.ts";

/** One query of an alarm's metric math: a vantage's metric, or an expression over other ids. */
export type MathQuery =
  | { readonly id: string; readonly vantage: string; readonly label: string }
  | { readonly id: string; readonly expression: string; readonly label: string };

/** The per-vantage condition of a down alarm, as the single-vantage alarm states it. */
export interface DownRule {
  readonly comparison: Comparison;
  readonly threshold: number;
}

export interface VantageMath {
  /** The queries the expression reads (metrics first), then the expression the alarm watches. */
  readonly queries: readonly MathQuery[];
  /** The id of the query whose value the alarm compares with its threshold. */
  readonly watched: string;
}

/** A metric-math id for a vantage's metric: a lowercase letter first, then letters, digits, '_'. */
export function vantageId(prefix: string, vantage: string): string {
  return `${prefix}_${vantage.toLowerCase().replace(/[^a-z0-9]+/g, "_")}`;
}

function number(value: number): string {
  return String(Number(value.toFixed(6)));
}

/** A value FILLed in for a silent vantage so that it counts as not down, or as down. */
function fill(rule: DownRule, as: "notDown" | "down"): string {
  const below = rule.comparison === "<" || rule.comparison === "<=";
  const breaching = as === "down" ? below : !below;
  return number(rule.threshold + (breaching ? -1 : 1));
}

function countDown(ids: readonly string[], rule: DownRule, silent: "notDown" | "down"): string {
  return ids
    .map((id) => `(FILL(${id}, ${fill(rule, silent)}) ${rule.comparison} ${number(rule.threshold)})`)
    .join(" + ");
}

function upQueries(vantages: readonly string[], label: string): MathQuery[] {
  return vantages.map((vantage) => ({ id: vantageId("up", vantage), vantage, label: `${label} ${vantage}` }));
}

function sums(vantages: readonly string[], rule: DownRule): MathQuery[] {
  const ids = vantages.map((vantage) => vantageId("up", vantage));
  return [
    { id: "down", expression: countDown(ids, rule, "notDown"), label: "vantages reporting down" },
    {
      id: "down_or_silent",
      expression: countDown(ids, rule, "down"),
      label: "vantages reporting down or silent",
    },
  ];
}

/**
 * A down alarm over several vantages: watches how many report the check down, compared with
 * `>= minVantages`; no datapoint in a minute when the silent vantages could tip the decision.
 */
export function consensusMath(
  vantages: readonly string[],
  rule: DownRule,
  minVantages: number,
  label: string,
): VantageMath {
  return {
    queries: [
      ...upQueries(vantages, label),
      ...sums(vantages, rule),
      {
        id: "decision",
        expression: `IF(down >= ${minVantages} || down_or_silent < ${minVantages}, down)`,
        label: `vantages reporting down (decided minutes; ${minVantages} needed)`,
      },
    ],
    watched: "decision",
  };
}

/**
 * Some vantages but fewer than minVantages report the check down: a regional path, DNS or CDN
 * problem. Watches that number (0 once enough vantages agree: the down alarm has it then).
 */
export function partialMath(
  vantages: readonly string[],
  rule: DownRule,
  minVantages: number,
  label: string,
): VantageMath {
  return {
    queries: [
      ...upQueries(vantages, label),
      sums(vantages, rule)[0] as MathQuery,
      {
        id: "partial",
        expression: `IF(down < ${minVantages}, down, 0)`,
        label: `vantages reporting down, fewer than ${minVantages}`,
      },
    ],
    watched: "partial",
  };
}

/** How many vantages short of minVantages the completed cycles of a minute are (<= 0: enough). */
export function quorumMath(vantages: readonly string[], minVantages: number): VantageMath {
  const ids = vantages.map((vantage) => vantageId("heartbeat", vantage));
  return {
    queries: [
      ...vantages.map((vantage) => ({
        id: vantageId("heartbeat", vantage),
        vantage,
        label: `cycles ${vantage}`,
      })),
      {
        id: "alive",
        expression: ids.map((id) => `(FILL(${id}, 0) > 0)`).join(" + "),
        label: "vantages alive",
      },
      { id: "short", expression: `${minVantages} - alive`, label: `vantages short of ${minVantages}` },
    ],
    watched: "short",
  };
}

/** The vantages and their metric ids, as an alarm description names them. */
export function vantagesText(prefix: string, vantages: readonly string[]): string {
  return vantages.map((vantage) => `${vantage} (${vantageId(prefix, vantage)})`).join(", ");
}
