/**
 * What the Lambda bundle carries, from esbuild's metafile of the handler built with the stack's
 * own settings: the schema, undici, the alarm catalogue, the signal messages the join does not read
 * and a second SigV4 signer stay out (docs/performance.md, bundle breakdown). A value imported from a schema module into the probe's path brings zod back; this
 * test says which file did.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { BASELINE_ENTRY, BUNDLE_RATIO_CEILING } from "../../bench/goals.ts";
import { HANDLER_ENTRY } from "../../infra/probe-function.ts";
import { type BundleBreakdown, bundleBreakdown, partOf } from "../../support/bundle-breakdown.ts";

/** The configuration modules the probe may use at run time: none of them imports zod. */
const RUNTIME_CONFIG_MODULES = new Set([
  "functions/shared/config/bundled.ts",
  "functions/shared/config/token-source.ts",
  "functions/shared/config/defaults.ts",
]);

let bundle: BundleBreakdown;
beforeAll(async () => {
  bundle = await bundleBreakdown(HANDLER_ENTRY);
});

describe("the Lambda bundle", () => {
  it("carries no schema: no zod, no schema module, no alarm catalogue", () => {
    expect(bundle.inputs.filter((input) => input.includes("node_modules/zod/"))).toEqual([]);
    expect(
      bundle.inputs.filter(
        (input) => input.startsWith("functions/shared/config/") && !RUNTIME_CONFIG_MODULES.has(input),
      ),
    ).toEqual([]);
    expect(bundle.inputs.filter((input) => /functions\/shared\/(layer-)?alarms\.ts$/.test(input))).toEqual(
      [],
    );
  });

  it("carries no undici: HTTP is node:http's, the WebSocket is ws's", () => {
    expect(bundle.inputs.filter((input) => input.includes("node_modules/undici/"))).toEqual([]);
    expect(bundle.parts.map((part) => part.name)).toContain("ws");
  });

  it("carries LiveKit's signal messages the join reads, not every message the channel can carry", () => {
    // Type names of messages a SignalResponse may carry but the join check does not read.
    for (const unread of ["livekit.SessionDescription", "livekit.ParticipantUpdate", "livekit.TrackInfo"])
      expect(bundle.code, unread).not.toContain(unread);
    expect(bundle.code).toContain("livekit.JoinResponse");
  });

  it("signs S3 with the AWS SDK's signer: no second SigV4 implementation", () => {
    expect(bundle.inputs.filter((input) => input.includes("node_modules/aws4fetch/"))).toEqual([]);
    expect(bundle.inputs).toContain("node_modules/@smithy/signature-v4/dist-cjs/index.js");
  });

  it("weighs at most 1.5 times the CloudWatch client alone built the same way (bytes, not time)", async () => {
    // Bytes depend on the lock file alone: a dependency that breaks issue 13's goal fails here,
    // where the choice can be made, not in a later bench run.
    const baseline = await bundleBreakdown(BASELINE_ENTRY);
    expect(bundle.bytes).toBeLessThanOrEqual(baseline.bytes * BUNDLE_RATIO_CEILING);
  });

  it("keeps the AWS SDK inside (the runtime's copy drifts) and accounts for every byte", () => {
    const names = bundle.parts.map((part) => part.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "AWS SDK: core (@aws-sdk/*, @smithy/*, bowser)",
        "AWS SDK: @aws-sdk/client-cloudwatch",
        "AWS SDK: @aws-sdk/client-secrets-manager",
        "ours: functions/probe",
        "ours: functions/shared",
      ]),
    );
    expect(bundle.parts.reduce((sum, part) => sum + part.bytes, 0)).toBe(bundle.bytes);
  });
});

describe("bundle parts", () => {
  it("are named after their package, the AWS SDK's core together, our files by directory", () => {
    expect(partOf("node_modules/@smithy/core/dist-es/index.js")).toBe(
      "AWS SDK: core (@aws-sdk/*, @smithy/*, bowser)",
    );
    expect(partOf("node_modules/@aws-sdk/client-secrets-manager/dist-cjs/index.js")).toBe(
      "AWS SDK: @aws-sdk/client-secrets-manager",
    );
    expect(partOf("node_modules/@livekit/protocol/dist/index.mjs")).toBe("@livekit/protocol");
    expect(partOf("node_modules/livekit-server-sdk/node_modules/jose/dist/index.js")).toBe("jose");
    expect(partOf("functions/probe/checks/http-check.ts")).toBe("ours: functions/probe");
  });
});
