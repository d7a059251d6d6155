/**
 * LiveKit egress, the recording workers: their Prometheus page (prometheus_port) or, when that is
 * off, their health endpoint (health_port). Names from livekit/egress pkg/stats/monitor_prom.go.
 */
import { isRecord } from "../../../shared/errors.ts";
import { mentions } from "../../prometheus/parse.ts";
import { counterSeries, type Extractor, type JsonExtractor, select, sumGauge } from "./common.ts";

export const EGRESS = {
  canAccept: "livekit_egress_can_accept_request",
  requests: "livekit_egress_requests",
  /** Since egress v1.13.0; absent until a handler has ended. */
  results: "livekit_egress_handler_results_total",
} as const;

/**
 * Handler results that are not a failed recording: a clean end, and a silent exit because another
 * worker took the same request (pkg/server/server_ipc.go).
 */
const NOT_FAILED = new Set(["completed", "duplicate_identity"]);

export const extractEgress: Extractor = (exposition) => {
  if (!mentions(exposition, EGRESS.canAccept)) {
    return {
      ok: false,
      error: `no ${EGRESS.canAccept} in the page: not LiveKit egress's Prometheus endpoint (prometheus_port)`,
    };
  }
  const notes: string[] = [];
  const canAccept = select(exposition, EGRESS.canAccept);
  const available = sumGauge(canAccept);
  const nodeId = canAccept[0]?.labels.node_id;
  const active = sumGauge(select(exposition, EGRESS.requests));
  return {
    ok: true,
    extraction: {
      // One worker per page: it can accept a room recording now, or not.
      gauges: { egressAvailable: available.value > 0 ? 1 : 0, activeRecordings: active.value },
      counters: {
        failedRecordings: counterSeries(
          select(exposition, EGRESS.results, (labels) => !NOT_FAILED.has(labels.result ?? "")),
          notes,
        ),
      },
      notes,
      ...(nodeId ? { identity: nodeId } : {}),
    },
  };
};

/**
 * Egress' health answer (cmd/server/http.go): `{"CpuLoad": <CPUs free>, "<egress id>": <request>...}`,
 * one key per recording in progress. Despite its name CpuLoad is the CPU still available, so the
 * worker can take a room recording when it is at least the recording's CPU cost.
 */
export function extractEgressHealth(roomCompositeCpuCost: number): JsonExtractor {
  return (document) => {
    if (!isRecord(document) || typeof document.CpuLoad !== "number" || !Number.isFinite(document.CpuLoad)) {
      return {
        ok: false,
        error: "no numeric CpuLoad in the JSON: not LiveKit egress's health endpoint (health_port)",
      };
    }
    const active = Object.keys(document).filter((key) => key !== "CpuLoad").length;
    return {
      ok: true,
      extraction: {
        gauges: {
          egressAvailable: document.CpuLoad >= roomCompositeCpuCost ? 1 : 0,
          activeRecordings: active,
        },
        counters: {},
        notes: [],
      },
    };
  };
}
