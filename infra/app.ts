/**
 * The CDK app: `npx cdk synth -c config=FILE` / `npx cdk deploy --all -c config=FILE` (the home
 * stack, and a probe stack per vantage region other than home).
 *
 * The config file is validated before anything is synthesized: every problem (schema and
 * deploy-only checks) is printed with its path and the app exits with status 2.
 */
import { resolve } from "node:path";
import { App } from "aws-cdk-lib";
import { formatIssues } from "../functions/shared/config/index.ts";
import { loadDeployConfig } from "./deploy-config.ts";
import { createMonitorStacks } from "./stack.ts";

export const USAGE =
  "usage: npx cdk synth|deploy -c config=path/to/monitor-config.json (add --all with several vantages)";

const app = new App();
const configPath: unknown = app.node.tryGetContext("config");
if (typeof configPath !== "string" || configPath === "") {
  process.stderr.write(`No configuration given.\n${USAGE}\n`);
  process.exit(2);
}
const path = resolve(configPath);
const loaded = await loadDeployConfig(path);
for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
if (!loaded.ok) {
  process.stderr.write(`${formatIssues(path, loaded.issues)}\nNothing was synthesized.\n`);
  process.exit(2);
}
createMonitorStacks(app, loaded.config);
app.synth();
