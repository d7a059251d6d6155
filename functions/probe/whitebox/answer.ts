/**
 * Whether a source's answer can be used, and what it holds: a Prometheus text page, or the JSON
 * document of an API (Garage's admin API, egress' health endpoint). Nothing here ever quotes the
 * body: every reason is the monitor's own text, plus at most a short error code that passed a
 * strict pattern.
 */
import { isRecord } from "../../shared/errors.ts";
import { untrustedText } from "../../shared/text.ts";
import { looksLikeHtml, redirectText } from "../checks/http-check.ts";
import type { HttpExchange } from "../http.ts";
import { parseExposition } from "../prometheus/parse.ts";
import type { ExtractResult } from "./extract/index.ts";
import type { SourceReader } from "./specs.ts";

/** Metrics pages are far bigger than health answers (ingress-nginx: histograms per path). */
export const MAX_SCRAPE_BYTES = 8 * 1024 * 1024;
/** A JSON answer (one bucket's info, one worker's status) is small. */
export const MAX_JSON_BYTES = 1024 * 1024;
/** Ask for the classic text format: Prometheus clients negotiate OpenMetrics or protobuf otherwise. */
const PROMETHEUS_ACCEPT = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";

export function acceptFor(reader: SourceReader): string {
  return reader.format === "prometheus" ? PROMETHEUS_ACCEPT : "application/json";
}

export function maxBytesFor(reader: SourceReader): number {
  return reader.format === "prometheus" ? MAX_SCRAPE_BYTES : MAX_JSON_BYTES;
}

/** Why a scrape's answer cannot be used, or undefined when it can. Never quotes the body. */
export function judgeScrape(
  exchange: HttpExchange,
  sentCredentials: boolean,
  format: SourceReader["format"] = "prometheus",
): { reason: string; status?: number } | undefined {
  if (exchange.failure) return { reason: exchange.failure.message };
  const { response } = exchange;
  const status = response.status;
  if (status === 401 || status === 403) {
    return {
      status,
      reason: sentCredentials
        ? `HTTP ${status}: the endpoint refused the credentials`
        : `HTTP ${status}: the endpoint wants credentials (configure them for this source)`,
    };
  }
  const redirect = redirectText(response);
  if (redirect !== undefined) return { status, reason: `${redirect} (not followed: use the final URL)` };
  const expected = format === "prometheus" ? "a metrics page" : "a JSON answer";
  if (status !== 200) {
    const code = format === "json" ? errorCode(response.body) : undefined;
    return { status, reason: `HTTP ${status}${code ? ` (${code})` : ""}, expected 200 and ${expected}` };
  }
  if (response.bodyTruncated) {
    const [what, limit] =
      format === "prometheus" ? ["metrics page", MAX_SCRAPE_BYTES] : ["JSON answer", MAX_JSON_BYTES];
    return { status, reason: `${what} larger than ${limit / 1024 / 1024} MiB: not read` };
  }
  if (looksLikeHtml(response)) {
    const wanted = format === "prometheus" ? "a Prometheus metrics page" : "a JSON answer";
    return { status, reason: `got HTML, not ${wanted}: check the URL` };
  }
  const type = response.headers["content-type"] ?? "";
  if (format === "prometheus" && /protobuf/i.test(type)) {
    return { status, reason: `got ${untrustedText(type, 80)}, expected the text format` };
  }
  return undefined;
}

/** What a usable answer holds, or why it does not hold what it should. */
export type ReadAnswer =
  | {
      readonly ok: true;
      readonly result: ExtractResult;
      readonly samples?: number;
      readonly duplicates: number;
    }
  | { readonly ok: false; readonly reason: string };

export function readAnswer(reader: SourceReader, body: string): ReadAnswer {
  if (reader.format === "json") {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      return { ok: false, reason: "not valid JSON" };
    }
    return { ok: true, result: reader.extract(document), duplicates: 0 };
  }
  const parsed = parseExposition(body);
  if (!parsed.ok) {
    return { ok: false, reason: `not a valid Prometheus text page: line ${parsed.line}: ${parsed.error}` };
  }
  return {
    ok: true,
    result: reader.extract(parsed.exposition),
    samples: parsed.exposition.samples.length,
    duplicates: parsed.exposition.duplicates,
  };
}

/** An API error's `code` (Garage: `NoSuchBucket`, `AccessDenied`), only when it is a plain word. */
function errorCode(body: string): string | undefined {
  try {
    const document: unknown = JSON.parse(body);
    const code = isRecord(document) ? document.code : undefined;
    return typeof code === "string" && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}
