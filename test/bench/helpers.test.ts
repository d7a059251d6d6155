import { describe, expect, it } from "vitest";
import { parseProbe } from "../../bench/blackbox.ts";
import { lambdaNodeArgs } from "../../bench/lambda.ts";
import { parseStat } from "../../bench/proc.ts";
import { seededRandom } from "../../bench/servers.ts";
import { checkVerdicts } from "../../bench/soak.ts";

describe("blackbox_exporter's /probe answer", () => {
  it("gives the phases, the probe duration and the outcome in milliseconds", () => {
    const probe = parseProbe(
      [
        "# HELP probe_duration_seconds Returns how long the probe took to complete in seconds",
        "# TYPE probe_duration_seconds gauge",
        "probe_duration_seconds 0.101532",
        "# TYPE probe_http_duration_seconds gauge",
        'probe_http_duration_seconds{phase="connect"} 0.000201',
        'probe_http_duration_seconds{phase="processing"} 0.100812',
        'probe_http_duration_seconds{phase="resolve"} 1.2e-05',
        'probe_http_duration_seconds{phase="tls"} 0',
        'probe_http_duration_seconds{phase="transfer"} 5.1e-05',
        "probe_success 1",
        "",
      ].join("\n"),
    );
    expect(probe.success).toBe(true);
    expect(probe.durationMs).toBeCloseTo(101.532, 6);
    expect(probe.phases.processing).toBeCloseTo(100.812, 6);
    expect(probe.phases.resolve).toBeCloseTo(0.012, 6);
    expect(Object.keys(probe.phases).sort()).toEqual(["connect", "processing", "resolve", "tls", "transfer"]);
  });
});

describe("/proc/<pid>/stat", () => {
  it("reads utime, stime and rss after a command name with spaces and parentheses", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    const stat = parseStat(`1234 (node (bench) x) ${fields.join(" ")}`);
    expect(stat).toEqual({ utimeTicks: 14, stimeTicks: 15, rssPages: 24 });
  });
});

describe("soak verdicts", () => {
  it("walk each server's modes attempt by attempt", () => {
    const modes = [["healthy", "hung", "slow", "reset", "reset"] as const];
    const results = [
      [
        { status: "up", attempts: 1 },
        { status: "up", attempts: 2 },
        { status: "down", attempts: 2 },
      ],
    ];
    expect(
      checkVerdicts(
        results,
        modes.map((list) => [...list]),
      ),
    ).toEqual({ matching: 3, checked: 3 });
    const wrong = [
      [
        { status: "up", attempts: 1 },
        { status: "down", attempts: 2 },
        { status: "down", attempts: 2 },
      ],
    ];
    expect(
      checkVerdicts(
        wrong,
        modes.map((list) => [...list]),
      ),
    ).toEqual({ matching: 2, checked: 3 });
  });
});

describe("bench plumbing", () => {
  it("draws the same flapping sequence for the same seed", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const drawn = Array.from({ length: 5 }, () => a());
    expect(drawn).toEqual(Array.from({ length: 5 }, () => b()));
    for (const value of drawn) expect(value).toBeGreaterThanOrEqual(0);
  });

  it("sizes V8's heap from the function's memory as Lambda's runtime does", () => {
    expect(lambdaNodeArgs(256)).toContain("--max-semi-space-size=12");
    expect(lambdaNodeArgs(256)).toContain("--max-old-space-size=231");
    expect(lambdaNodeArgs(1024)).toContain("--max-semi-space-size=51");
  });
});
