/**
 * The metric math of the alarms over several vantages, evaluated (support/metric-math.ts) for
 * every combination of vantage states: what each alarm decides must be the rule the docs state.
 */
import { describe, expect, it } from "vitest";
import {
  consensusMath,
  type DownRule,
  partialMath,
  quorumMath,
  vantageId,
} from "../../../functions/shared/plan/index.ts";
import { evaluateQueries } from "../../../support/metric-math.ts";
import {
  countStates,
  type Decision,
  decideMath,
  everyCombination,
  type VantageState,
} from "../../../support/vantage-states.ts";

const REGIONS = ["eu-west-3", "us-east-1", "ap-southeast-1", "sa-east-1"];
const UP_RULE: DownRule = { comparison: "<", threshold: 1 };

/** The consensus rule in words: enough down pages, too few even counting the silent is OK. */
function expectedDown(states: Record<string, VantageState>, minVantages: number): Decision {
  const { down, silent } = countStates(states);
  if (down >= minVantages) return "breaching";
  if (down + silent < minVantages) return "not breaching";
  return "no datapoint";
}

describe("the consensus of the down alarms", () => {
  it("decides by the rule for every combination of 1 to 4 vantages and every minVantages", () => {
    let checked = 0;
    for (let count = 1; count <= REGIONS.length; count++) {
      const vantages = REGIONS.slice(0, count);
      for (let minVantages = 1; minVantages <= count; minVantages++) {
        const math = consensusMath(vantages, UP_RULE, minVantages, "Up");
        for (const states of everyCombination(vantages)) {
          expect(decideMath(math, states, minVantages), JSON.stringify({ minVantages, states })).toBe(
            expectedDown(states, minVantages),
          );
          checked++;
        }
      }
    }
    expect(checked).toBe(3 * 1 + 9 * 2 + 27 * 3 + 81 * 4);
  });

  it("with 3 vantages and 2 needed: all up, one down, k down, one silent, all silent", () => {
    const [a, b, c] = REGIONS as [string, string, string];
    const math = consensusMath([a, b, c], UP_RULE, 2, "Up");
    const decide = (x: VantageState, y: VantageState, z: VantageState): Decision =>
      decideMath(math, { [a]: x, [b]: y, [c]: z }, 2);
    expect(decide("up", "up", "up")).toBe("not breaching");
    expect(decide("down", "up", "up")).toBe("not breaching");
    expect(decide("down", "down", "up")).toBe("breaching");
    expect(decide("down", "down", "down")).toBe("breaching");
    expect(decide("silent", "up", "up")).toBe("not breaching");
    // A dead vantage can neither page nor resolve: the minute it could decide has no datapoint.
    expect(decide("silent", "down", "up")).toBe("no datapoint");
    expect(decide("silent", "down", "down")).toBe("breaching");
    expect(decide("silent", "silent", "up")).toBe("no datapoint");
    expect(decide("silent", "silent", "silent")).toBe("no datapoint");
  });

  it("applies the down alarm's own rule to each vantage: an overridden threshold, another comparison", () => {
    const half = consensusMath(["eu-west-3", "us-east-1"], { comparison: "<", threshold: 0.5 }, 2, "Up");
    const values = (x: number | undefined, y: number | undefined) => ({
      [vantageId("up", "eu-west-3")]: x,
      [vantageId("up", "us-east-1")]: y,
    });
    expect(evaluateQueries(half.queries, half.watched, values(0, 0))).toBe(2);
    expect(evaluateQueries(half.queries, half.watched, values(0, 0.7))).toBe(1);
    expect(evaluateQueries(half.queries, half.watched, values(0, undefined))).toBeUndefined();
    const above = consensusMath(
      ["eu-west-3", "us-east-1"],
      { comparison: ">", threshold: 500 },
      1,
      "Latency",
    );
    expect(evaluateQueries(above.queries, above.watched, values(900, undefined))).toBe(1);
    expect(evaluateQueries(above.queries, above.watched, values(100, undefined))).toBeUndefined();
    expect(evaluateQueries(above.queries, above.watched, values(100, 200))).toBe(0);
    const atMost = consensusMath(["eu-west-3", "us-east-1"], { comparison: "<=", threshold: 0 }, 1, "Up");
    expect(evaluateQueries(atMost.queries, atMost.watched, values(0, 1))).toBe(1);
    expect(evaluateQueries(atMost.queries, atMost.watched, values(1, 1))).toBe(0);
  });

  it("names every vantage's metric with an id CloudWatch accepts", () => {
    const math = consensusMath(REGIONS, UP_RULE, 3, "Up");
    for (const query of math.queries) expect(query.id).toMatch(/^[a-z][A-Za-z0-9_]*$/);
    expect(math.queries.filter((query) => "vantage" in query).map((query) => query.id)).toEqual([
      "up_eu_west_3",
      "up_us_east_1",
      "up_ap_southeast_1",
      "up_sa_east_1",
    ]);
  });
});

describe("CloudWatch's limits on an alarm's metric math", () => {
  it("holds 8 vantages (the schema's maximum): 10 metrics, 10 expressions, 2048 characters each", () => {
    const eight = [
      "ap-southeast-2",
      "ap-northeast-1",
      "eu-central-1",
      "eu-west-3",
      "us-east-1",
      "us-west-2",
      "sa-east-1",
      "ca-central-1",
    ];
    for (const math of [
      consensusMath(eight, UP_RULE, 5, "Up"),
      partialMath(eight, UP_RULE, 5, "Up"),
      quorumMath(eight, 5),
    ]) {
      const metrics = math.queries.filter((query) => "vantage" in query);
      const expressions = math.queries.flatMap((query) => ("expression" in query ? [query.expression] : []));
      expect(metrics.length).toBeLessThanOrEqual(10);
      expect(expressions.length).toBeLessThanOrEqual(10);
      for (const expression of expressions) expect(expression.length).toBeLessThanOrEqual(2048);
    }
  });
});

describe("the partial outage and the lost quorum", () => {
  it("sees a partial outage when some but fewer than minVantages vantages report down", () => {
    for (let minVantages = 1; minVantages <= 3; minVantages++) {
      const vantages = REGIONS.slice(0, 3);
      const math = partialMath(vantages, UP_RULE, minVantages, "Up");
      for (const states of everyCombination(vantages)) {
        const { down } = countStates(states);
        expect(decideMath(math, states, 1)).toBe(
          down >= 1 && down < minVantages ? "breaching" : "not breaching",
        );
      }
    }
  });

  it("loses the quorum when fewer vantages than minVantages complete a cycle; a down vantage is alive", () => {
    for (let minVantages = 1; minVantages <= 3; minVantages++) {
      const vantages = REGIONS.slice(0, 3);
      const math = quorumMath(vantages, minVantages);
      for (const states of everyCombination(vantages)) {
        const { up, down } = countStates(states);
        expect(decideMath(math, states, 1)).toBe(up + down < minVantages ? "breaching" : "not breaching");
      }
    }
  });
});
