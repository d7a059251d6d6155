/**
 * The configuration as the CDK app needs it: the shared schema (loadConfigFile) plus the checks
 * that only matter once the probe runs in Lambda, reported together so the operator fixes every
 * problem in one go; and the part of the config that is bundled with the function.
 */
import { readFile } from "node:fs/promises";
import { findCredentials, OPAQUE_RECORDS } from "../functions/shared/config/credentials.ts";
import { loadConfigFile } from "../functions/shared/config/file.ts";
import type { ConfigIssue, MonitorConfig } from "../functions/shared/config/index.ts";
import { isRecord } from "../functions/shared/errors.ts";
import {
  type PlannedVantage,
  planAlarms,
  planChecks,
  planSources,
  planVantages,
} from "../functions/shared/plan/index.ts";
import { mutedAlarms } from "./maintenance-windows.ts";

export type DeployConfigResult =
  | { readonly ok: true; readonly config: MonitorConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[]; readonly warnings: readonly string[] };

/** Host suffixes that only resolve inside a private network. */
const PRIVATE_DNS_SUFFIXES = [
  ".internal",
  ".local",
  ".lan",
  ".localdomain",
  ".svc",
  ".cluster.local",
  ".home.arpa",
];

export async function loadDeployConfig(path: string): Promise<DeployConfigResult> {
  const schema = await loadConfigFile(path);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch {
    // Unreadable or not JSON: loadConfigFile has already said so.
    raw = undefined;
  }
  const deploy = deployChecks(raw);
  const warnings = [...deploy.warnings];
  if (schema.ok) warnings.push(...configWarnings(schema.config));
  if (schema.ok && deploy.issues.length === 0) return { ok: true, config: schema.config, warnings };
  return { ok: false, issues: [...(schema.ok ? [] : schema.issues), ...deploy.issues], warnings };
}

/** A credential source found in the config's targets, with its dotted path. */

/**
 * The Secrets Manager ARNs the function must be allowed to read; without the white-box sources,
 * only those the checks use (a probe that never reads a source never reads its credential).
 */
export function secretArns(
  config: MonitorConfig,
  options: { whitebox: boolean } = { whitebox: true },
): string[] {
  const sourceFields = new Set(
    options.whitebox ? [] : planSources(config).flatMap((source) => (source.auth ? [source.auth.field] : [])),
  );
  const arns = findCredentials(config.targets).flatMap(({ path, credential }) =>
    typeof credential.secretArn === "string" && !sourceFields.has(path) ? [credential.secretArn] : [],
  );
  return [...new Set(arns)].sort();
}

/** Every URL under `targets`, with its path. */
function findUrls(node: unknown, path: string): { path: string; url: URL }[] {
  if (typeof node === "string") {
    if (!/^https?:\/\//i.test(node)) return [];
    try {
      return [{ path, url: new URL(node) }];
    } catch {
      return [];
    }
  }
  if (Array.isArray(node)) return node.flatMap((item, index) => findUrls(item, `${path}[${index}]`));
  if (!isRecord(node)) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    OPAQUE_RECORDS.has(key) ? [] : findUrls(value, `${path}.${key}`),
  );
}

/** Problems that only exist once the probe runs in Lambda. Defensive: the input is raw JSON. */
export function deployChecks(raw: unknown): { issues: ConfigIssue[]; warnings: string[] } {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  if (!isRecord(raw)) return { issues, warnings };
  const deployment = isRecord(raw.deployment) ? raw.deployment : {};
  // Some probe runs in a VPC (configWarnings tells when other vantages cannot reach a check).
  const vantages: unknown[] = Array.isArray(deployment.vantages) ? deployment.vantages : [];
  const inVpc =
    deployment.vpc !== undefined ||
    vantages.some((vantage) => isRecord(vantage) && vantage.vpc !== undefined);

  for (const { path, credential } of findCredentials(raw.targets)) {
    if (
      credential.secretArn === undefined &&
      (credential.env !== undefined || credential.file !== undefined)
    ) {
      issues.push({
        path,
        message:
          "the Lambda reads credentials from AWS Secrets Manager only: add secretArn (env and file work for the CLI alone)",
      });
    }
  }

  for (const { path, url } of findUrls(raw.targets, "targets")) {
    const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
    if (host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "::1") {
      issues.push({
        path,
        message: `${host} is the Lambda's own loopback: use an address of the service reachable from AWS`,
      });
    } else if (isPrivateAddress(host) && !inVpc) {
      issues.push({
        path,
        message: `${host} is a private address: the Lambda reaches it only inside your VPC (set deployment.vpc)`,
      });
    } else if (!inVpc && isPrivateName(host)) {
      warnings.push(
        `${path}: ${host} looks like a private DNS name; outside a VPC the Lambda resolves public DNS only (set deployment.vpc if it is private)`,
      );
    }
  }
  return { issues, warnings };
}

/** Advice about a valid config: nothing here blocks a deployment. */
export function configWarnings(config: MonitorConfig, now: Date = new Date()): string[] {
  const warnings: string[] = [];
  for (const severity of ["critical", "warning"] as const) {
    const recipients = config.alerts[severity];
    if ((recipients?.emails?.length ?? 0) + (recipients?.urls?.length ?? 0) === 0) {
      warnings.push(
        `alerts.${severity}: no email or https subscriber: ${severity} alarms will notify nobody until someone subscribes to the topic`,
      );
    }
  }
  if (config.deployment.vpc && planChecks(config).some((check) => check.check === "turn-udp")) {
    warnings.push(
      "targets.livekit.join: the TURN checks send UDP; a Lambda in a VPC reaches the internet over UDP only through a NAT gateway (an HTTP proxy or VPC endpoint does not carry it): without one turn-udp fails; add one, or set targets.livekit.join.turn to false",
    );
  }
  const plan = planAlarms(config);
  for (const skipped of plan.skipped) {
    const override = config.alarms[skipped.id];
    if (skipped.reason === "not-configured" && override !== undefined) {
      warnings.push(
        `alarms.${skipped.id}: this alarm is not created (${skipped.detail}), the override has no effect`,
      );
    }
  }
  const vantages = planVantages(config);
  const outside = vantages.vantages
    .filter((vantage) => vantage.vpc === undefined)
    .map((vantage) => vantage.name);
  if (vantages.consensus && outside.length > 0) {
    for (const check of planChecks(config)) {
      const host = new URL(check.baseUrl).hostname.replace(/^\[|\]$/g, "").toLowerCase();
      if (isPrivateAddress(host) || isPrivateName(host)) {
        warnings.push(
          `targets.${check.component}: ${host} looks private, and ${outside.join(", ")} probe${outside.length === 1 ? "s" : ""} outside any VPC: ${outside.length === 1 ? "it" : "they"} would report ${check.component} down (give each vantage a VPC that reaches it, or a public address)`,
        );
      }
    }
  }
  if (config.deployment.vpc !== undefined && !vantages.vantages.some((vantage) => vantage.home)) {
    warnings.push(
      "deployment.vpc: the home region is not one of deployment.vantages, so no probe runs in this VPC (give each vantage its own vpc)",
    );
  }
  for (const [index, window] of config.maintenance.entries()) {
    if (mutedAlarms(window, plan.alarms).length === 0) {
      warnings.push(
        `maintenance[${index}]: no alarm of ${window.components?.join(", ") ?? "any component"} is created, so "${window.name}" mutes nothing and is not deployed`,
      );
    }
    const at = /^at\((.+)\)$/.exec(window.schedule)?.[1];
    if (at !== undefined && window.timezone === undefined && Date.parse(`${at}:00Z`) < now.getTime()) {
      warnings.push(
        `maintenance[${index}]: ${window.schedule} (UTC) is already past, "${window.name}" will never open`,
      );
    }
  }
  return warnings;
}

/**
 * What the function needs at run time: namespace, vantage, probe and targets, and how much it
 * publishes when that is not everything. Alerts, alarms and deployment stay out, and credentials
 * keep only their Secrets Manager reference (env and file name things on the operator's machine).
 * A probe outside the home stack is given its vantage's name; at home it is the stack's region.
 */
export function lambdaConfig(config: MonitorConfig, vantage?: PlannedVantage): Record<string, unknown> {
  const targets = structuredClone(config.targets) as unknown;
  for (const { credential } of findCredentials(targets)) {
    const mutable = credential as Record<string, unknown>;
    delete mutable.env;
    delete mutable.file;
  }
  const name = vantage !== undefined && !vantage.home ? vantage.name : config.vantage;
  const detail = vantage?.detail ?? config.metrics.detail ?? "full";
  return {
    namespace: config.namespace,
    ...(name === undefined ? {} : { vantage: name }),
    probe: config.probe,
    targets,
    ...(detail === "full" ? {} : { metrics: { detail } }),
  };
}

/** A host name that only resolves inside a private network. */
function isPrivateName(host: string): boolean {
  return !host.includes(".") || PRIVATE_DNS_SUFFIXES.some((suffix) => host.endsWith(suffix));
}

function isPrivateAddress(host: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host);
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return (
      a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)
    );
  }
  return /^f[cd][0-9a-f]{2}:/.test(host) || /^fe80:/.test(host);
}
