/**
 * The CDK app: `npx cdk synth -c config=FILE` / `npx cdk deploy --all -c config=FILE` (the home
 * stack, and a probe stack per vantage region other than home).
 *
 * The config file is validated before anything is synthesized: every problem (schema and
 * deploy-only checks) is printed with its path and the app exits with status 2. The cdk CLI then
 * adds one line of its own (`node infra/app.ts: Subprocess exited with error 2`) and exits 1:
 * the app's last line says so, so that the CLI's line reads as part of the app's message.
 */
import { resolve } from "node:path";
import { App } from "aws-cdk-lib";
import { formatIssues } from "../functions/shared/config/index.ts";
import { loadDeployConfig } from "./deploy-config.ts";
import { createMonitorStacks } from "./stack.ts";

export const USAGE =
  "usage: npx cdk synth|deploy -c config=path/to/monitor-config.json (add --all with several vantages)";
const NOTHING_SYNTHESIZED =
  "Nothing was synthesized: exit status 2 (run through cdk: it adds the line below and exits 1).";

const app = new App();
const configPath: unknown = app.node.tryGetContext("config");
if (typeof configPath !== "string" || configPath === "") {
  process.stderr.write(`No configuration given.\n${USAGE}\n${NOTHING_SYNTHESIZED}\n`);
  process.exit(2);
}
const path = resolve(configPath);
const loaded = await loadDeployConfig(path);
for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
if (!loaded.ok) {
  process.stderr.write(`${formatIssues(path, loaded.issues)}\n${NOTHING_SYNTHESIZED}\n`);
  process.exit(2);
}
createMonitorStacks(app, loaded.config);
app.synth();
