/**
 * What the deep checks share inside one attempt: a clock with the attempt's deadline, and reading
 * a credential within it (registered for redaction before anything else can see it).
 */
import type { Credential } from "../../shared/config/index.ts";
import type { CredentialResolver } from "../credentials.ts";
import { withTimeout } from "../guard.ts";

export interface AttemptClock {
  /** performance.now() at the start and at the deadline. */
  readonly started: number;
  readonly deadline: number;
  /** Milliseconds left before the deadline, at least 1 (a timer of 0 would mean "no deadline"). */
  remainingMs(): number;
  /** Milliseconds since the start, to the microsecond. */
  elapsedMs(): number;
}

export function attemptClock(timeoutMs: number): AttemptClock {
  const started = performance.now();
  const deadline = started + timeoutMs;
  return {
    started,
    deadline,
    remainingMs: () => Math.max(1, Math.floor(deadline - performance.now())),
    elapsedMs: () => elapsedSince(started),
  };
}

export function elapsedSince(since: number): number {
  return Math.round((performance.now() - since) * 1000) / 1000;
}

/** A credential's value, or why it could not be read (the field and where it looked, never a value). */
export async function readCredential(
  credentials: CredentialResolver,
  credential: Credential,
  field: string,
  timeoutMs: number,
  redact: (value: string) => void,
): Promise<{ readonly value: string } | { readonly reason: string }> {
  try {
    const value = await withTimeout(
      credentials.resolve(credential, field),
      timeoutMs,
      `${field}: reading the credential took more than ${timeoutMs} ms`,
    );
    redact(value);
    return { value };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}
