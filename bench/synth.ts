/**
 * Synthesis for the bench: the real stack (the infra's createMonitorStack, esbuild bundling
 * included) for the production bundle, the function's settings and the alarms; and a throwaway
 * stack whose functions are built with the very same bundling options (PROBE_BUNDLING) for the
 * baseline and the bundled benchmark entries.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { Architecture } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { formatIssues } from "../functions/shared/config/index.ts";
import { loadDeployConfig } from "../infra/deploy-config.ts";
import { PROBE_BUNDLING, PROBE_RUNTIME, PROJECT_ROOT } from "../infra/probe-function.ts";
import { createMonitorStack } from "../infra/stack.ts";
import { countAlarms } from "./cost.ts";

interface CfnResource {
  readonly Type?: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
}

export interface BuiltFunction {
  /** The asset directory CDK bundled into (index.js and its map). */
  readonly dir: string;
  readonly file: string;
  readonly memoryMb?: number;
  readonly architectures?: readonly string[];
  readonly runtime?: string;
  readonly nodeOptions?: string;
}

export interface SynthesizedStack {
  readonly template: CfnTemplate;
  readonly probe: BuiltFunction;
  readonly alarms: ReturnType<typeof countAlarms>;
  /** Resources by type, to show what else the stack holds. */
  readonly resources: Record<string, number>;
  readonly warnings: readonly string[];
}

/** The function resources of a synthesized template, with their asset directories. */
function builtFunctions(outdir: string, template: CfnTemplate): Map<string, BuiltFunction> {
  const built = new Map<string, BuiltFunction>();
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    const properties = resource.Properties ?? {};
    const key = (properties.Code as { S3Key?: unknown } | undefined)?.S3Key;
    if (typeof key !== "string") continue;
    const dir = join(outdir, `asset.${key.replace(/\.zip$/, "")}`);
    const path = String(resource.Metadata?.["aws:cdk:path"] ?? "");
    const environment = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    const nodeOptions = environment?.NODE_OPTIONS;
    built.set(path, {
      dir,
      file: join(dir, "index.js"),
      ...(typeof properties.MemorySize === "number" ? { memoryMb: properties.MemorySize } : {}),
      ...(Array.isArray(properties.Architectures)
        ? { architectures: properties.Architectures.map(String) }
        : {}),
      ...(typeof properties.Runtime === "string" ? { runtime: properties.Runtime } : {}),
      ...(typeof nodeOptions === "string" ? { nodeOptions } : {}),
    });
  }
  return built;
}

/** Synthesizes the monitor's stack from a config file, as `cdk synth -c config=FILE` would. */
export async function synthesizeMonitor(configPath: string, outdir: string): Promise<SynthesizedStack> {
  const loaded = await loadDeployConfig(configPath);
  if (!loaded.ok) throw new Error(formatIssues(configPath, loaded.issues));
  const app = new App({ outdir, context: { "aws:cdk:enable-path-metadata": true } });
  const stack = createMonitorStack(app, loaded.config);
  app.synth();
  const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), "utf8")) as CfnTemplate;
  const functions = [...builtFunctions(outdir, template).values()];
  const probe = functions.find((fn) => fn.file.length > 0);
  if (functions.length !== 1 || probe === undefined) {
    throw new Error(`expected the stack to hold one Lambda function, found ${functions.length}`);
  }
  const resources: Record<string, number> = {};
  for (const resource of Object.values(template.Resources ?? {})) {
    const type = resource.Type ?? "?";
    resources[type] = (resources[type] ?? 0) + 1;
  }
  return { template, probe, alarms: countAlarms(template), resources, warnings: loaded.warnings };
}

/** Builds each entry as a Lambda function with the probe's runtime, architecture and bundling. */
export function bundleEntries(
  entries: Readonly<Record<string, string>>,
  outdir: string,
): Record<string, BuiltFunction> {
  const app = new App({ outdir, context: { "aws:cdk:enable-path-metadata": true } });
  const stack = new Stack(app, "MeetMonitorBench");
  for (const [id, entry] of Object.entries(entries)) {
    new NodejsFunction(stack, id, {
      entry,
      handler: "handler",
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, "package-lock.json"),
      runtime: PROBE_RUNTIME,
      architecture: Architecture.ARM_64,
      bundling: PROBE_BUNDLING,
    });
  }
  app.synth();
  const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), "utf8")) as CfnTemplate;
  const built = builtFunctions(outdir, template);
  const result: Record<string, BuiltFunction> = {};
  for (const id of Object.keys(entries)) {
    const found = built.get(`MeetMonitorBench/${id}/Resource`);
    if (!found) throw new Error(`no bundle for ${id}`);
    result[id] = found;
  }
  return result;
}
