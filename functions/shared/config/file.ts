/**
 * Reads a configuration file from disk: JSON parsing, schema validation, then the file
 * references in it (`tls.caFile`) are read and inlined so the result is self-contained
 * (the CDK app bundles this resolved form with the Lambda, see ./bundled.ts).
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileErrorText, isRecord } from "../errors.ts";
import { findCredentials } from "./credentials.ts";
import { type ConfigIssue, type ConfigResult, type MonitorConfig, parseConfig } from "./index.ts";

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
    return {
      ok: false,
      issues: [{ path: "(file)", message: `cannot read ${path}: ${fileErrorText(error)}` }],
    };
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

/**
 * Walks the raw JSON: every `tls.caFile` is replaced by the file's content as `tls.ca`, and every
 * credential `file` is made absolute (it is read when used, by the CLI only, never inlined).
 */
async function inlineReferencedFiles(
  json: unknown,
  baseDir: string,
): Promise<{ json: unknown; issues: ConfigIssue[] }> {
  const issues: ConfigIssue[] = [];
  const copy: unknown = structuredClone(json);
  const visit = async (node: unknown, path: string): Promise<void> => {
    if (!isRecord(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key === "tls" && isRecord(value)) await inlineCa(value, childPath);
      else await visit(value, childPath);
    }
  };
  const inlineCa = async (tls: Record<string, unknown>, path: string): Promise<void> => {
    // Both set: left alone for the schema to report "ca or caFile, not both".
    if (typeof tls.caFile !== "string" || tls.caFile === "" || tls.ca !== undefined) return;
    const file = resolve(baseDir, tls.caFile);
    try {
      const ca = await readFile(file, "utf8");
      if (!ca.includes("-----BEGIN CERTIFICATE-----")) {
        issues.push({ path: `${path}.caFile`, message: `${file} holds no PEM certificate` });
        return;
      }
      delete tls.caFile;
      tls.ca = ca;
    } catch (error) {
      issues.push({ path: `${path}.caFile`, message: `cannot read ${file}: ${fileErrorText(error)}` });
    }
  };
  await visit(copy, "");
  if (isRecord(copy)) {
    for (const { credential } of findCredentials(copy.targets)) {
      if (typeof credential.file === "string" && credential.file !== "") {
        (credential as Record<string, unknown>).file = resolve(baseDir, credential.file);
      }
    }
  }
  return { json: copy, issues };
}
