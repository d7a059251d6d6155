/**
 * What the alarms over several vantages decide for a combination of vantage states, computed by
 * evaluating their metric math (support/metric-math.ts) with the datapoints those states publish:
 * a vantage that is up publishes Up 1 and a heartbeat, one that is down publishes Up 0 and a
 * heartbeat, a silent one publishes nothing.
 */
import type { MathQuery, VantageMath } from "../functions/shared/plan/index.ts";
import { evaluateQueries, type QueryLike } from "./metric-math.ts";

export type VantageState = "up" | "down" | "silent";
/** An alarm's reaction to a minute: breaching, not breaching, or no datapoint (keeps its state). */
export type Decision = "breaching" | "not breaching" | "no datapoint";

const UP: Readonly<Record<VantageState, number | undefined>> = { up: 1, down: 0, silent: undefined };
const HEARTBEAT: Readonly<Record<VantageState, number | undefined>> = { up: 1, down: 1, silent: undefined };

/** The datapoints the metric queries of some math see when the vantages are in these states. */
export function datapoints(
  queries: readonly MathQuery[],
  states: Readonly<Record<string, VantageState>>,
): Record<string, number | undefined> {
  const values: Record<string, number | undefined> = {};
  for (const query of queries) {
    if (!("vantage" in query)) continue;
    const state = states[query.vantage];
    if (state === undefined) throw new Error(`no state given for vantage ${query.vantage}`);
    values[query.id] = (query.id.startsWith("heartbeat_") ? HEARTBEAT : UP)[state];
  }
  return values;
}

/** The alarm's reaction: its watched value compared `>=` its threshold, or no datapoint. */
export function decide(
  queries: readonly QueryLike[],
  watched: string,
  values: Readonly<Record<string, number | undefined>>,
  threshold: number,
): Decision {
  const value = evaluateQueries(queries, watched, values);
  if (value === undefined) return "no datapoint";
  return value >= threshold ? "breaching" : "not breaching";
}

/** Shorthand for the math built by functions/shared/plan/consensus.ts. */
export function decideMath(
  math: VantageMath,
  states: Readonly<Record<string, VantageState>>,
  threshold: number,
): Decision {
  return decide(math.queries, math.watched, datapoints(math.queries, states), threshold);
}

/** Every assignment of states to the vantages (3^n of them). */
export function everyCombination(vantages: readonly string[]): Record<string, VantageState>[] {
  return vantages.reduce<Record<string, VantageState>[]>(
    (combinations, vantage) =>
      combinations.flatMap((combination) =>
        (["up", "down", "silent"] as const).map((state) => ({ ...combination, [vantage]: state })),
      ),
    [{}],
  );
}

/** How many vantages are in each state. */
export function countStates(states: Readonly<Record<string, VantageState>>): Record<VantageState, number> {
  const counts = { up: 0, down: 0, silent: 0 };
  for (const state of Object.values(states)) counts[state]++;
  return counts;
}
