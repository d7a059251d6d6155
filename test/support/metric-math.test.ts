/**
 * The metric-math evaluator against the examples of CloudWatch's documentation ("Using math
 * expressions with CloudWatch metrics"), one timestamp at a time: `-` in the docs' tables is a
 * timestamp without a datapoint.
 */
import { describe, expect, it } from "vitest";
import { evaluateQueries, parseExpression } from "../../support/metric-math.ts";

type Series = readonly (number | undefined)[];

/** The expression over metrics named metric1..3, evaluated at each timestamp of the series. */
function series(expression: string, metrics: Readonly<Record<string, Series>>): (number | undefined)[] {
  const length = Math.max(...Object.values(metrics).map((values) => values.length));
  const queries = [...Object.keys(metrics).map((id) => ({ id })), { id: "e", expression }];
  return Array.from({ length }, (_, index) =>
    evaluateQueries(
      queries,
      "e",
      Object.fromEntries(Object.entries(metrics).map(([id, values]) => [id, values[index]])),
    ),
  );
}

const _ = undefined;

describe("metric math at one timestamp", () => {
  it("compares a pair of series, a missing value counting as 0 (the docs' comparison table)", () => {
    const metrics = { metric1: [30, 20, 0, 0], metric2: [20, _, 20, _] };
    expect(series("metric1 < metric2", metrics)).toEqual([0, 0, 1, 0]);
    expect(series("metric1 >= 30", metrics)).toEqual([1, 0, 0, 0]);
    expect(series("metric1 > 15 AND metric2 > 15", metrics)).toEqual([1, 0, 0, 0]);
    expect(series("metric1 > 25 || metric2 > 15", metrics)).toEqual([1, 0, 1, 0]);
  });

  it("follows the docs' IF tables: a false condition without a false value drops the datapoint", () => {
    const metric1 = [1, 1, 0, 0, _];
    expect(
      series("IF(metric1, metric2, metric3)", {
        metric1,
        metric2: [30, _, 0, 0, 30],
        metric3: [0, 0, 20, _, 20],
      }),
    ).toEqual([30, 0, 20, _, _]);
    expect(series("IF(metric1, 5, metric3)", { metric1, metric3: [0, 0, 20, _, 20] })).toEqual([
      5,
      5,
      20,
      _,
      _,
    ]);
    expect(series("IF(metric1, metric2, 5)", { metric1, metric2: [30, _, 0, 0, 30] })).toEqual([
      30,
      0,
      5,
      5,
      _,
    ]);
    expect(series("IF(metric1 < 400, metric1)", { metric1: [100, 500, _] })).toEqual([100, _, _]);
  });

  it("fills a missing datapoint with FILL, and leaves a series without one out of a scalar comparison", () => {
    expect(series("FILL(metric1, 10)", { metric1: [1, _, 3] })).toEqual([1, 10, 3]);
    expect(series("metric1 < 1", { metric1: [0, _] })).toEqual([1, _]);
    expect(series("metric1 + metric2", { metric1: [1, _, _], metric2: [2, 5, _] })).toEqual([3, 5, _]);
    expect(series("2 - metric1 * 2 / metric2", { metric1: [1, 1], metric2: [4, 0] })).toEqual([1.5, _]);
    expect(series("-metric1 + 3", { metric1: [1] })).toEqual([2]);
  });

  it("reads expressions that name other expressions, and refuses what it does not know", () => {
    const queries = [{ id: "m" }, { id: "twice", expression: "m * 2" }, { id: "e", expression: "twice + 1" }];
    expect(evaluateQueries(queries, "e", { m: 4 })).toBe(9);
    expect(() => parseExpression("SUM(METRICS())")).not.toThrow();
    expect(() => evaluateQueries([{ id: "e", expression: "SUM(m)" }, { id: "m" }], "e", { m: 1 })).toThrow(
      /SUM is not supported/,
    );
    expect(() => parseExpression("m1 +")).toThrow(SyntaxError);
    expect(() => parseExpression("m1 % 2")).toThrow(SyntaxError);
    expect(() => evaluateQueries([{ id: "e", expression: "e + 1" }], "e", {})).toThrow(/itself/);
    expect(() => evaluateQueries([{ id: "e", expression: "1 + 1" }], "e", {})).toThrow(/scalar/);
  });
});
