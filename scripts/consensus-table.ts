/**
 * The truth table of docs/vantages.md: what the down alarm, the partial-outage alarm and the
 * lost-quorum alarm of three vantages decide in a minute, for every count of vantages up, down
 * and silent. Computed by evaluating the alarms' own metric math (functions/shared/plan/consensus.ts,
 * the expressions the stack deploys) with support/metric-math.ts; a test checks that the docs
 * hold this table.
 *
 *   npx node scripts/consensus-table.ts   prints it; paste it into docs/vantages.md, then format
 *                                          the tables as Biome does (`npx biome format --write docs`)
 */
import { consensusMath, majority, partialMath, quorumMath } from "../functions/shared/plan/index.ts";
import { evaluateQueries } from "../support/metric-math.ts";
import {
  countStates,
  type Decision,
  datapoints,
  decideMath,
  everyCombination,
} from "../support/vantage-states.ts";

export const TABLE_VANTAGES = ["eu-west-3", "us-east-1", "ap-southeast-1"] as const;

const DOWN_ALARM: Record<Decision, string> = {
  breaching: "**ALARM**",
  "not breaching": "OK",
  "no datapoint": "keeps its state",
};

export function consensusTableMarkdown(
  vantages: readonly string[] = TABLE_VANTAGES,
  minVantages = majority(vantages.length),
): string {
  const rule = { comparison: "<", threshold: 1 } as const;
  const down = consensusMath(vantages, rule, minVantages, "Up");
  const partial = partialMath(vantages, rule, minVantages, "Up");
  const quorum = quorumMath(vantages, minVantages);
  // One combination per count of states: the expressions do not care which vantage is which.
  const seen = new Set<string>();
  const rows: string[] = [];
  const combinations = everyCombination(vantages).sort((a, b) => {
    const [x, y] = [countStates(a), countStates(b)];
    return x.silent - y.silent || x.down - y.down;
  });
  for (const states of combinations) {
    const counts = countStates(states);
    const key = `${counts.up}/${counts.down}/${counts.silent}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const values = datapoints(down.queries, states);
    const counted = evaluateQueries(down.queries, "down", values);
    const reach = evaluateQueries(down.queries, "down_or_silent", values);
    rows.push(
      `| ${counts.up} | ${counts.down} | ${counts.silent} | ${counted} / ${reach} | ${DOWN_ALARM[decideMath(down, states, minVantages)]} | ${decideMath(partial, states, 1) === "breaching" ? "fires" : "-"} | ${decideMath(quorum, states, 1) === "breaching" ? "**fires**" : "-"} |`,
    );
  }
  return [
    `| Up | Down | Silent | Sums | Down alarm (${minVantages} of ${vantages.length}) | Partial outage | Consensus lost |`,
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

if (import.meta.main) {
  process.stdout.write(`${consensusTableMarkdown()}\n`);
}
