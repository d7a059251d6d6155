/**
 * The deep checks' libraries stay as chosen (docs/deep-checks.md): one copy of @livekit/protocol,
 * the very version livekit-server-sdk pins, so the bundle never carries two; exact versions.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../infra/probe-function.ts";

const json = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(PROJECT_ROOT, path), "utf8")) as Record<string, unknown>;

describe("deep check dependencies", () => {
  const lock = json("package-lock.json").packages as Record<
    string,
    { version?: string; dependencies?: Record<string, string> }
  >;
  const manifest = json("package.json") as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  /** The package is installed once, at the top, and our manifest pins that very version. */
  const expectOneCopyPinned = (name: string): void => {
    const copies = Object.keys(lock).filter((path) => path.endsWith(`node_modules/${name}`));
    expect(copies, name).toEqual([`node_modules/${name}`]);
    expect(manifest.dependencies[name], name).toBe(lock[`node_modules/${name}`]?.version);
  };

  it("has one @livekit/protocol, the version livekit-server-sdk pins, as a direct dependency", () => {
    expectOneCopyPinned("@livekit/protocol");
    const pinned = lock["node_modules/livekit-server-sdk"]?.dependencies?.["@livekit/protocol"];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(lock["node_modules/@livekit/protocol"]?.version).toBe(pinned);
  });

  it("has one @bufbuild/protobuf, the runtime of @livekit/protocol, which the join's messages share", () => {
    expectOneCopyPinned("@bufbuild/protobuf");
  });

  it("pins the SDK, the WebSocket client and the test-only verifier exactly", () => {
    // ws is the join's WebSocket client (and the LiveKit stand-in's server in the tests).
    for (const name of ["livekit-server-sdk", "ws"])
      expect(manifest.dependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
    // aws4fetch recomputes the S3 stand-in's signatures: another signer than the probe's.
    expect(manifest.devDependencies.aws4fetch).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.dependencies.aws4fetch).toBeUndefined();
  });

  it("signs S3 with the one copy of the AWS SDK's own signer and hash, at the SDK's versions", () => {
    for (const name of ["@smithy/signature-v4", "@smithy/core"]) expectOneCopyPinned(name);
  });

  it("keeps undici for the bench alone: the probe speaks HTTP through node:http", () => {
    expect(manifest.dependencies.undici).toBeUndefined();
    expect(manifest.devDependencies.undici).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
