/**
 * Reads a configuration file from disk: JSON parsing, schema validation, then the file
 * references in it (`tls.caFile`) are read and inlined so the result is self-contained
 * (the Lambda receives this resolved form and never touches the operator's files).
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type ConfigIssue, type ConfigResult, type MonitorConfig, parseConfig } from "./config.ts";

export class ConfigError extends Error {
  readonly source: string;
  readonly issues: readonly ConfigIssue[];
  constructor(source: string, issues: readonly ConfigIssue[]) {
    super(`${source}: invalid configuration (${issues.length} problem${issues.length === 1 ? "" : "s"})`);
    this.name = "ConfigError";
    this.source = source;
    this.issues = issues;
  }
}

export async function loadConfigFile(path: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    return { ok: false, issues: [{ path: "(file)", message: `cannot read ${path}: ${errorCode(error)}` }] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, issues: [{ path: "(file)", message: `not valid JSON: ${detail}` }] };
  }
  // Referenced files are read first and inlined into the raw JSON, and their problems are merged
  // with the schema's, so every problem is reported at once.
  const files = await inlineReferencedFiles(json, dirname(resolve(path)));
  const parsed = parseConfig(files.json);
  if (parsed.ok && files.issues.length === 0) return parsed;
  return { ok: false, issues: [...(parsed.ok ? [] : parsed.issues), ...files.issues] };
}

/** Same as `loadConfigFile` but throws a `ConfigError` carrying every issue. */
export async function loadConfigFileOrThrow(path: string): Promise<MonitorConfig> {
  const result = await loadConfigFile(path);
  if (!result.ok) throw new ConfigError(path, result.issues);
  return result.config;
}

/** Replaces each `targets.<name>.tls.caFile` by the file's content as `tls.ca`. */
async function inlineReferencedFiles(
  json: unknown,
  baseDir: string,
): Promise<{ json: unknown; issues: ConfigIssue[] }> {
  const issues: ConfigIssue[] = [];
  const copy: unknown = structuredClone(json);
  for (const name of ["backend", "livekit", "garage"]) {
    const tls = pick(copy, "targets", name, "tls");
    if (!isRecord(tls) || typeof tls.caFile !== "string" || tls.caFile.length === 0) continue;
    if (tls.ca !== undefined) continue; // the schema reports "ca or caFile, not both"
    const file = resolve(baseDir, tls.caFile);
    const fieldPath = `targets.${name}.tls.caFile`;
    try {
      const ca = await readFile(file, "utf8");
      if (!ca.includes("-----BEGIN CERTIFICATE-----")) {
        issues.push({ path: fieldPath, message: `${file} holds no PEM certificate` });
        continue;
      }
      delete tls.caFile;
      tls.ca = ca;
    } catch (error) {
      issues.push({ path: fieldPath, message: `cannot read ${file}: ${errorCode(error)}` });
    }
  }
  return { json: copy, issues };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function pick(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

function errorCode(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string") {
    return error.code === "ENOENT" ? "no such file" : error.code;
  }
  return error instanceof Error ? error.message : String(error);
}
