/**
 * The configuration file bundled with the Lambda function. The CDK app validates the operator's
 * file with the full schema at synth time and writes what the function needs (infra's
 * `lambdaConfig`) with a format marker; the function reads it back without the schema: zod would
 * be a third of its bundle and most of its import time (docs/performance.md). A file the app did
 * not write (an operator's own config, one written by another version of the monitor) has no
 * marker or another one, and is refused with a message saying what to do.
 *
 * No zod here, and only type imports from the schema modules: this module is in the Lambda bundle.
 */
import { readFile } from "node:fs/promises";
import { fileErrorText, isRecord } from "../errors.ts";
import type { ProbeConfig } from "./index.ts";

/** The resolved config file the CDK stack bundles next to the Lambda handler. */
export const CONFIG_FILE_NAME = "monitor-config.json";
/** Overrides where the Lambda handler reads its config (default: `$LAMBDA_TASK_ROOT/monitor-config.json`). */
export const CONFIG_FILE_ENV = "MEET_MONITOR_CONFIG_FILE";
/**
 * Set by the stack on a probe in another region than home: the region its metrics go to (alarms
 * read only their own region's metrics). Absent: the function's own region.
 */
export const METRICS_REGION_ENV = "MEET_MONITOR_METRICS_REGION";
/**
 * `off` on the probes that do not read the white-box sources (only one vantage reads them: the
 * same figures from several regions would be paid for, and alarm, several times).
 */
export const WHITEBOX_ENV = "MEET_MONITOR_WHITEBOX";

/**
 * Written by the CDK app, checked by the function. Change it whenever `ProbeConfig` changes in a
 * way a function built from older code would misread.
 */
export const BUNDLED_CONFIG_FORMAT = "meet-synthetic-monitor/lambda-config/1";

export class BundledConfigError extends Error {
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = "BundledConfigError";
  }
}

/** The file's text: the validated configuration's Lambda part, marked with the format. */
export function bundledConfigText(config: Readonly<Record<string, unknown>>): string {
  return `${JSON.stringify({ format: BUNDLED_CONFIG_FORMAT, ...config }, null, 2)}\n`;
}

/** Reads the bundled file; throws a `BundledConfigError` saying why when it is not the app's. */
export async function readBundledConfig(path: string): Promise<ProbeConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new BundledConfigError(path, `cannot read the bundled configuration: ${fileErrorText(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BundledConfigError(path, "the bundled configuration is not valid JSON");
  }
  const format = isRecord(json) ? json.format : undefined;
  if (!isRecord(json) || format !== BUNDLED_CONFIG_FORMAT) {
    const found =
      typeof format === "string"
        ? `format "${format.slice(0, 80)}"`
        : "no format marker (an operator's file?)";
    throw new BundledConfigError(
      path,
      `not a configuration written by this version of the monitor's CDK app: ${found}, expected "${BUNDLED_CONFIG_FORMAT}". The function only reads the file \`cdk deploy\` validated and bundled: deploy again (the CLI, npm run probe, reads an operator's file)`,
    );
  }
  const { format: _marker, ...config } = json;
  if (!isRecord(config.probe) || !isRecord(config.targets) || typeof config.namespace !== "string") {
    throw new BundledConfigError(path, "the bundled configuration lacks namespace, probe or targets");
  }
  // Validated by the full schema when the app wrote it (the marker says the app did).
  return config as unknown as ProbeConfig;
}
