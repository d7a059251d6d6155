/**
 * A check that is one GET and a judgement of the answer, and the judging every such check (and
 * every white-box scrape) shares: failures, redirects and HTML pages.
 */
import type { TargetTls } from "../../shared/config/index.ts";
import type { CheckComponent, CheckName } from "../../shared/metrics.ts";
import { untrustedText } from "../../shared/text.ts";
import { safeGet } from "../guard.ts";
import type { HttpExchange, HttpRequest, HttpResponse } from "../http.ts";
import type { CheckSpec, Verdict } from "./check.ts";

/** Health endpoints answer a few bytes; anything bigger is not the endpoint we expect. */
export const HEALTH_BODY_LIMIT = 64 * 1024;

/** How to reach a target: the config's per-target options. */
export interface TargetOptions {
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs?: number | undefined;
  readonly tls?: TargetTls | undefined;
}

export interface HttpCheck {
  readonly component: CheckComponent;
  readonly check: CheckName;
  readonly url: URL;
  readonly target: TargetOptions;
  /** The cycle's default deadline when the target sets none. */
  readonly defaultTimeoutMs: number;
  readonly judge: (response: HttpResponse) => Verdict;
}

export function httpCheck(definition: HttpCheck): CheckSpec {
  const { target } = definition;
  const request: HttpRequest = {
    url: definition.url,
    timeoutMs: target.timeoutMs ?? definition.defaultTimeoutMs,
    maxBodyBytes: HEALTH_BODY_LIMIT,
    ...(target.headers ? { headers: target.headers } : {}),
    ...(target.tls ? { tls: target.tls } : {}),
  };
  return {
    component: definition.component,
    check: definition.check,
    url: request.url.href,
    timeoutMs: request.timeoutMs,
    attempt: async ({ http }) => {
      const exchange = await safeGet(http, request);
      return {
        verdict: judgeExchange(exchange, definition.judge),
        timings: exchange.timings,
        ...(exchange.response ? { httpStatus: exchange.response.status } : {}),
        ...(exchange.certificate ? { certificate: exchange.certificate } : {}),
      };
    },
  };
}

/** Failures and redirects are judged the same way for every check. */
export function judgeExchange(exchange: HttpExchange, judge: (response: HttpResponse) => Verdict): Verdict {
  if (exchange.failure) return { status: "down", reason: exchange.failure.message };
  const { response } = exchange;
  const redirect = redirectText(response);
  if (redirect !== undefined) {
    return {
      status: "down",
      reason: `${redirect} (redirects are not followed: point the URL at the final address)`,
    };
  }
  return judge(response);
}

/** `redirect 301 to <Location without its query>` for a 3xx answer, else undefined. */
export function redirectText(response: HttpResponse): string | undefined {
  if (response.status < 300 || response.status >= 400) return undefined;
  // The query may carry a token; the rest is the target's text, made printable and short.
  const location = response.headers.location?.replace(/[?#].*$/, "");
  return `redirect ${response.status} to ${location === undefined ? "(no Location header)" : untrustedText(location)}`;
}

/** An HTML page: by its content type, or by how its body starts. */
export function looksLikeHtml(response: HttpResponse): boolean {
  return servedAsHtml(response) || bodyIsHtml(response.body);
}

/** The content type says HTML. */
export function servedAsHtml(response: HttpResponse): boolean {
  return /text\/html|application\/xhtml/i.test(response.headers["content-type"] ?? "");
}

/** The body starts like an HTML document, whatever its content type says. */
export function bodyIsHtml(body: string): boolean {
  return /^\s*<(!doctype|html|head|body)/i.test(body);
}
