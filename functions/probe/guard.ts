/**
 * The safety net every check and every white-box source runs inside: a watchdog that bounds how
 * long it may take, and wrappers that turn a rejection into a result. Each attempt already has
 * its own deadline, so the watchdog should never fire; it guarantees that a bug in an adapter
 * can neither hold the cycle past its bound nor lose a result.
 */
import { errorMessage, firstLine } from "../shared/errors.ts";
import { untrustedText } from "../shared/text.ts";
import type { HttpExchange, HttpPort, HttpRequest, HttpSendRequest } from "./http.ts";

/** Extra time a check or source may take beyond its own deadlines before the watchdog reports it. */
export const WATCHDOG_SLACK_MS = 2_000;

/** Set when the watchdog gave up on a run: the run should not record anything any more. */
export interface RunControl {
  abandoned: boolean;
}

/** `run`, or `onOverrun()` if it has not finished within `budgetMs`. */
export async function withinBudget<T>(
  budgetMs: number,
  run: (control: RunControl) => Promise<T>,
  onOverrun: () => T,
): Promise<T> {
  const control: RunControl = { abandoned: false };
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      control.abandoned = true;
      resolve(onOverrun());
    }, budgetMs);
  });
  try {
    return await Promise.race([run(control), overrun]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `run()`'s value, or `onError(message)` when it rejects or throws. An unexpected error's message
 * may quote what a target sent: it is made printable and short.
 */
export async function settle<T>(run: () => Promise<T>, onError: (message: string) => T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    return onError(untrustedText(firstLine(errorMessage(error))));
  }
}

/** The port promises never to reject; a bug in it must still not lose the result. */
export function safeGet(http: HttpPort, request: HttpRequest): Promise<HttpExchange> {
  return settle(() => http.get(request), portError);
}

/** `safeGet` for any method. */
export function safeSend(http: HttpPort, request: HttpSendRequest): Promise<HttpExchange> {
  return settle(() => http.send(request), portError);
}

function portError(message: string): HttpExchange {
  return {
    failure: { kind: "other", phase: "dns", message: `probe error: ${message}` },
    timings: { totalMs: 0 },
  };
}

/** `promise`, or a rejection with `message` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
