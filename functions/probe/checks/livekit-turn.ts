/**
 * `livekit` / `turn-udp`, `turn-tcp`, `turn-tls`: for each TURN server the join response lists
 * over the transport (with the credentials it hands out), a STUN Binding, a TURN Allocate (401
 * with a nonce, then authenticated) and a Refresh with lifetime 0 that frees the relay. Runs after
 * the join; a transport the join does not list is not checked and not published.
 */
import type { ProbeConfig, TargetTls } from "../../shared/config/index.ts";
import type { TurnCheckName } from "../../shared/metrics.ts";
import { untrustedText } from "../../shared/text.ts";
import type { TurnTransport } from "../sockets.ts";
import { allocateRelay } from "../turn/allocate.ts";
import { parseTurnUrl, TRANSPORT_TEXT, type TurnUrl } from "../turn/urls.ts";
import { elapsedSince } from "./attempt.ts";
import type { Attempt, AttemptContext, CheckPorts, CheckSpec, IceServer, NotChecked } from "./check.ts";
import { livekitJoinCheck } from "./livekit-join.ts";

/** A join response lists one server per node and transport; a few is plenty each minute. */
export const MAX_SERVERS_PER_TRANSPORT = 4;

const TRANSPORT: Record<TurnCheckName, TurnTransport> = {
  "turn-udp": "udp",
  "turn-tcp": "tcp",
  "turn-tls": "tls",
};

export function livekitTurnCheck(
  check: TurnCheckName,
): (config: ProbeConfig, vantage: string) => CheckSpec | undefined {
  return (config, vantage) => {
    const join = livekitJoinCheck(config, vantage);
    const livekit = config.targets.livekit;
    if (!join || !livekit || livekit.join?.turn === false) return undefined;
    const transport = TRANSPORT[check];
    return {
      component: "livekit",
      check,
      url: `TURN over ${TRANSPORT_TEXT[transport]} from the join response`,
      timeoutMs: join.timeoutMs,
      after: { component: "livekit", check: "join" },
      attempt: (ports, context) => attemptTurn(transport, turnTls(livekit.tls), ports, context),
    };
  };
}

/**
 * The LiveKit target's trust settings for `turns:`. Its servername names LiveKit's host, not the
 * TURN domain: it applies only when the TURN URL gives an IP address.
 */
function turnTls(tls: TargetTls | undefined): (host: string) => TargetTls | undefined {
  return (host) => {
    if (!tls) return undefined;
    const { servername, ...rest } = tls;
    return /^[\d.]+$|^\[/.test(host) && servername !== undefined ? { ...rest, servername } : rest;
  };
}

type ServerOutcome = { readonly url: TurnUrl; readonly attempt: Attempt };

async function attemptTurn(
  transport: TurnTransport,
  tlsFor: (host: string) => TargetTls | undefined,
  ports: CheckPorts,
  context: AttemptContext,
): Promise<Attempt | NotChecked> {
  const { upstream } = context;
  if (!upstream || upstream.status === "down" || upstream.output?.kind !== "iceServers") {
    return { notChecked: "not checked: the join failed, so LiveKit handed out no TURN servers" };
  }
  const servers = turnServers(upstream.output.servers, transport);
  if (servers.length === 0) {
    return {
      notChecked: `not checked: the join response lists no TURN server over ${TRANSPORT_TEXT[transport]}`,
    };
  }
  const deadline = performance.now() + context.timeoutMs;
  const outcomes = await Promise.all(
    servers.map(async ({ url, server }): Promise<ServerOutcome> => {
      context.redact(server.username);
      context.redact(server.credential);
      return { url, attempt: await allocateOn(url, server, tlsFor(url.host), ports, deadline) };
    }),
  );
  return combine(outcomes);
}

function turnServers(
  servers: readonly IceServer[],
  transport: TurnTransport,
): { readonly url: TurnUrl; readonly server: IceServer }[] {
  const found = servers.flatMap((server) =>
    server.urls.flatMap((text) => {
      const url = parseTurnUrl(text);
      return url?.transport === transport ? [{ url, server }] : [];
    }),
  );
  const unique = found.filter(
    (entry, index) => found.findIndex((other) => other.url.text === entry.url.text) === index,
  );
  return unique.slice(0, MAX_SERVERS_PER_TRANSPORT);
}

async function allocateOn(
  url: TurnUrl,
  server: IceServer,
  tls: TargetTls | undefined,
  ports: CheckPorts,
  deadline: number,
): Promise<Attempt> {
  const started = performance.now();
  const opening = await ports.stun.open(
    { transport: url.transport, host: url.host, port: url.port, tls },
    Math.max(1, Math.floor(deadline - started)),
  );
  const certificate = opening.certificate ? { certificate: opening.certificate } : {};
  if (opening.failure) {
    return {
      verdict: { status: "down", reason: opening.failure.message },
      timings: opening.timings,
      ...certificate,
    };
  }
  try {
    const outcome = await allocateRelay(
      opening.channel,
      { username: server.username, password: server.credential },
      deadline,
    );
    const timings = { ...opening.timings, totalMs: elapsedSince(started) };
    if (!outcome.ok) return { verdict: { status: "down", reason: outcome.reason }, timings, ...certificate };
    const note =
      outcome.notFreed === undefined ? {} : { reason: `relay allocated, but not freed: ${outcome.notFreed}` };
    return { verdict: { status: "up", ...note }, timings, ...certificate };
  } finally {
    opening.channel.close();
  }
}

/** Up when every listed server allocated, degraded when some did, down when none did. */
function combine(outcomes: readonly ServerOutcome[]): Attempt {
  const [first] = outcomes;
  if (!first) throw new Error("no TURN server to combine");
  const target = untrustedText(outcomes.map((outcome) => outcome.url.text).join(", "), 300);
  const failed = outcomes.filter((outcome) => outcome.attempt.verdict.status === "down");
  const describe = (outcome: ServerOutcome): string =>
    outcomes.length === 1
      ? (outcome.attempt.verdict.reason ?? "")
      : `${untrustedText(outcome.url.text, 120)}: ${outcome.attempt.verdict.reason ?? ""}`;
  const base = {
    timings: first.attempt.timings,
    target,
    ...(first.attempt.certificate ? { certificate: first.attempt.certificate } : {}),
  };
  if (failed.length === 0) {
    const notes = outcomes.flatMap((outcome) => (outcome.attempt.verdict.reason ? [describe(outcome)] : []));
    return { ...base, verdict: { status: "up", ...(notes.length > 0 ? { reason: notes.join("; ") } : {}) } };
  }
  const reasons = failed.map(describe).join("; ");
  if (failed.length === outcomes.length) return { ...base, verdict: { status: "down", reason: reasons } };
  return {
    ...base,
    verdict: {
      status: "degraded",
      reason: `${failed.length} of ${outcomes.length} TURN servers failed: ${reasons}`,
    },
  };
}
