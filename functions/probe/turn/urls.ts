/**
 * The TURN URLs of a join response (RFC 7065): `turn:host[:port][?transport=udp|tcp]` and
 * `turns:host[:port][?transport=tcp]`, sorted by the transport a client would use. Text from the
 * server: anything that does not parse is ignored, never echoed.
 */
import type { TurnTransport } from "../sockets.ts";

export interface TurnUrl {
  readonly transport: TurnTransport;
  readonly host: string;
  readonly port: number;
  /** The URL as shown: scheme, host, port and transport, nothing else. */
  readonly text: string;
}

const TURN_URL =
  /^(turns?):(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/i;

export function parseTurnUrl(url: string): TurnUrl | undefined {
  const match = TURN_URL.exec(url.trim());
  if (!match) return undefined;
  const scheme = (match[1] ?? "").toLowerCase();
  const host = match[2] ?? "";
  const requested = match[4]?.toLowerCase();
  const secure = scheme === "turns";
  // turns with transport=udp would be DTLS, which browsers do not use for TURN.
  if (secure && requested === "udp") return undefined;
  const transport: TurnTransport = secure ? "tls" : requested === "tcp" ? "tcp" : "udp";
  const port = match[3] === undefined ? (secure ? 5349 : 3478) : Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return {
    transport,
    host,
    port,
    text: `${scheme}:${host}:${port}?transport=${secure ? "tcp" : (requested ?? "udp")}`,
  };
}

export const TRANSPORT_TEXT: Record<TurnTransport, string> = {
  udp: "UDP (turn:…?transport=udp)",
  tcp: "TCP (turn:…?transport=tcp)",
  tls: "TLS (turns:)",
};
