/**
 * What each part of a Lambda bundle weighs: esbuild's metafile for the same entry built with the
 * stack's own options (PROBE_BUNDLING: minified CJS for node24, nothing external), grouped by
 * package and by our own directories. The bench checks it against the bundle CDK wrote (the same
 * size but for the source map comment CDK's build appends); a test checks what stays out of it.
 */
import { build } from "esbuild";
import { PROBE_BUNDLING } from "../infra/probe-function.ts";

export interface BundlePart {
  readonly name: string;
  readonly bytes: number;
}

export interface BundleBreakdown {
  readonly bytes: number;
  /** The bundle itself, to look for what must not be in it. */
  readonly code: string;
  /** Every input file (paths relative to the repository) that put bytes into the bundle. */
  readonly inputs: readonly string[];
  /** Largest first; "esbuild glue" is what no input accounts for (module wrappers, exports). */
  readonly parts: readonly BundlePart[];
}

/** The AWS SDK v3 and what it alone brings (bowser reads the user agent, the invoke store is the SDK's). */
const AWS_SDK =
  /^(@aws-sdk\/(?!client-)|@smithy\/|@aws\/|@aws-crypto\/|bowser$|fast-xml-parser$|strnum$|tslib$)/;

/** The name a bundle input is counted under. */
export function partOf(input: string): string {
  // The innermost node_modules: a package's own copy of a dependency counts as that dependency.
  const packaged = [...input.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].at(-1)?.[1];
  if (packaged === undefined) {
    const [top, second] = input.split("/");
    return top === "functions" && second !== undefined ? `ours: functions/${second}` : `ours: ${top}`;
  }
  if (packaged === "@aws-sdk/client-cloudwatch") return "AWS SDK: @aws-sdk/client-cloudwatch";
  if (packaged.startsWith("@aws-sdk/client-")) return `AWS SDK: ${packaged}`;
  if (AWS_SDK.test(packaged)) return "AWS SDK: core (@aws-sdk/*, @smithy/*, bowser)";
  return packaged;
}

export async function bundleBreakdown(entry: string): Promise<BundleBreakdown> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: PROBE_BUNDLING.target ?? "node24",
    format: "cjs",
    minify: PROBE_BUNDLING.minify === true,
    external: [...(PROBE_BUNDLING.externalModules ?? [])],
    metafile: true,
    write: false,
    outfile: "index.js",
    logLevel: "error",
  });
  const output = Object.values(result.metafile.outputs)[0];
  if (output === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  const parts = new Map<string, number>();
  let accounted = 0;
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = partOf(input);
    parts.set(name, (parts.get(name) ?? 0) + bytesInOutput);
    accounted += bytesInOutput;
  }
  parts.set("esbuild glue (module wrappers, exports)", output.bytes - accounted);
  return {
    bytes: output.bytes,
    code: result.outputFiles[0]?.text ?? "",
    inputs: Object.entries(output.inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input),
    parts: [...parts.entries()]
      .map(([name, bytes]) => ({ name, bytes }))
      .filter((part) => part.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes),
  };
}

/** CDK's bundle ends with `//# sourceMappingURL=index.js.map` and a newline, the metafile's does not. */
export function sameBuild(breakdown: BundleBreakdown, cdkBytes: number): boolean {
  const comment = "//# sourceMappingURL=index.js.map\n".length;
  return Math.abs(cdkBytes - breakdown.bytes - comment) <= 1;
}
