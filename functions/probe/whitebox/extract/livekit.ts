/** LiveKit's page (one per node; every series carries node_id and node_type). */
import { mentions } from "../../prometheus/parse.ts";
import { both, counterSeries, type Extractor, type GaugeKey, labelIs, select, sumGauge } from "./common.ts";

export const LIVEKIT = {
  rooms: "livekit_room_total",
  participants: "livekit_participant_total",
  published: "livekit_track_published_total",
  subscribed: "livekit_track_subscribed_total",
  packets: "livekit_packet_total",
  bytes: "livekit_packet_bytes",
  nacks: "livekit_nack_total",
  loss: "livekit_packet_loss_total",
  webhooks: "livekit_webhook_dispatch_total",
} as const;

export const extractLivekit: Extractor = (exposition) => {
  if (!mentions(exposition, LIVEKIT.rooms)) {
    return {
      ok: false,
      error: `no ${LIVEKIT.rooms} in the page: not LiveKit's Prometheus endpoint (prometheus.port, commonly 6789)`,
    };
  }
  const notes: string[] = [];
  const gauges: Partial<Record<GaugeKey, number>> = {};
  const gauge = (key: GaugeKey, name: string): void => {
    const { value, skipped } = sumGauge(select(exposition, name));
    if (skipped > 0) notes.push(`${skipped} ${name} sample(s) not finite, ignored`);
    gauges[key] = value;
  };
  // The `_total` suffix of these gauges is LiveKit's naming: they are current values, not counters.
  gauge("rooms", LIVEKIT.rooms);
  gauge("participants", LIVEKIT.participants);
  gauge("publishedTracks", LIVEKIT.published);
  gauge("subscribedTracks", LIVEKIT.subscribed);
  const incoming = labelIs("direction", "incoming");
  return {
    ok: true,
    extraction: {
      gauges,
      counters: {
        packetLossIncoming: counterSeries(select(exposition, LIVEKIT.loss, incoming), notes),
        packetsIncomingInitial: counterSeries(
          select(exposition, LIVEKIT.packets, both(incoming, labelIs("transmission", "initial"))),
          notes,
        ),
        nacks: counterSeries(select(exposition, LIVEKIT.nacks), notes),
        bytesIncoming: counterSeries(select(exposition, LIVEKIT.bytes, incoming), notes),
        bytesOutgoing: counterSeries(
          select(exposition, LIVEKIT.bytes, labelIs("direction", "outgoing")),
          notes,
        ),
        webhookFailures: counterSeries(
          select(exposition, LIVEKIT.webhooks, labelIs("status", "failure")),
          notes,
        ),
      },
      notes,
    },
  };
};
