/**
 * Synthesizes real MonitorStacks (esbuild bundling included) for the infra tests. Each synthesis
 * costs a bundling run, so test files synthesize a few stacks in beforeAll and share them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import {
  type MonitorConfig,
  type MonitorConfigInput,
  parseConfig,
} from "../../functions/shared/config/index.ts";
import type { ProbeStack } from "../../infra/probe-stack.ts";
import { createMonitorStack, createMonitorStacks, type MonitorStack } from "../../infra/stack.ts";

export interface Synthesized {
  readonly app: App;
  readonly stack: MonitorStack;
  readonly template: Template;
  readonly config: MonitorConfig;
  readonly outdir: string;
}

const outdirs: string[] = [];

export function parse(input: MonitorConfigInput): MonitorConfig {
  const result = parseConfig(input);
  if (!result.ok) throw new Error(`test config is invalid: ${JSON.stringify(result.issues)}`);
  return result.config;
}

export function synth(input: MonitorConfigInput | MonitorConfig): Synthesized {
  const config = parse(input as MonitorConfigInput);
  const outdir = mkdtempSync(join(tmpdir(), "meet-monitor-cdk-"));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = createMonitorStack(app, config);
  return { app, stack, template: Template.fromStack(stack), config, outdir };
}

export interface SynthesizedStacks {
  readonly app: App;
  readonly config: MonitorConfig;
  readonly outdir: string;
  readonly home: MonitorStack;
  readonly homeTemplate: Template;
  readonly probes: readonly { readonly stack: ProbeStack; readonly template: Template }[];
}

/** Every stack of a configuration, as the app creates them (one per vantage region other than home). */
export function synthStacks(input: MonitorConfigInput | MonitorConfig): SynthesizedStacks {
  const config = parse(input as MonitorConfigInput);
  const outdir = mkdtempSync(join(tmpdir(), "meet-monitor-cdk-"));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const { home, probes } = createMonitorStacks(app, config);
  return {
    app,
    config,
    outdir,
    home,
    homeTemplate: Template.fromStack(home),
    probes: probes.map((stack) => ({ stack, template: Template.fromStack(stack) })),
  };
}

export function cleanUp(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The `Resources` of one type, by logical id. */
export function resourcesOf(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}

/** An alarm's properties by AlarmName. */
export function alarmByName(template: Template, name: string): Record<string, unknown> {
  const found = Object.values(resourcesOf(template, "AWS::CloudWatch::Alarm")).filter(
    (alarm) => alarm.Properties.AlarmName === name,
  );
  if (found.length !== 1) throw new Error(`expected one alarm named ${name}, found ${found.length}`);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
}

/** The monitoring alarms' names: every alarm but notify-test's two TEST alarms (tested on their own). */
export function alarmNames(template: Template): string[] {
  return Object.values(resourcesOf(template, "AWS::CloudWatch::Alarm"))
    .map((alarm) => String(alarm.Properties.AlarmName))
    .filter((name) => !isTestAlarm(name))
    .sort();
}

export function isTestAlarm(name: unknown): boolean {
  return String(name).includes("-TEST-notify-");
}

/** The logical id of the only resource of a type whose id starts with a prefix. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(resourcesOf(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(", ")}`);
  return ids[0] as string;
}
