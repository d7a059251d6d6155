/**
 * Small type and error helpers used across the probe, the CDK app and the operator commands:
 * one copy each, so every message about a system or SDK error reads the same way.
 * Pure: no Node or AWS imports.
 */
import { untrustedText } from "./text.ts";

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The system or library code of an error (ECONNREFUSED, ENOENT, ...), also from its `cause`. */
export function errorCode(error: unknown): string | undefined {
  if (isRecord(error) || error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  if (error instanceof Error && error.cause !== undefined) return errorCode(error.cause);
  return undefined;
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first line of a text, cut to `max` characters: library messages can span pages. */
export function firstLine(text: string, max = 200): string {
  return (text.split("\n")[0] ?? "").slice(0, max);
}

/** Why a file could not be read, in words: `no such file`, `EACCES`, ... */
export function fileErrorText(error: unknown): string {
  const code = errorCode(error);
  if (code === "ENOENT") return "no such file";
  return code ?? firstLine(errorMessage(error));
}

/**
 * An AWS SDK error as one line: `<Operation> failed: <ErrorName>: <first line> (HTTP <status>)`.
 * The SDK's messages never carry request credentials; the first line is enough to act on. The
 * name and message come from the server (or whatever answered at its address): made printable.
 */
export function describeSdkError(operation: string, error: unknown): string {
  if (!(error instanceof Error)) return `${operation} failed`;
  // The SDK's own words name no variable: say which one to set.
  if (error.message === "Region is missing") {
    return `${operation} failed: no AWS region: set AWS_REGION (e.g. AWS_REGION=eu-west-3) or a region in your AWS profile`;
  }
  const metadata = (error as { $metadata?: unknown }).$metadata;
  const status =
    isRecord(metadata) && metadata.httpStatusCode !== undefined ? metadata.httpStatusCode : undefined;
  const http = status === undefined ? "" : ` (HTTP ${String(status)})`;
  return `${operation} failed: ${untrustedText(error.name, 60)}: ${untrustedText(firstLine(error.message))}${http}`;
}
