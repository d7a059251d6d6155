/**
 * A host through node_exporter (Debian's prometheus-node-exporter): CPU, memory, the fullest
 * filesystem, the busiest disk and the physical network interfaces.
 */
import type { Sample } from "../../prometheus/parse.ts";
import { mentions, seriesKey } from "../../prometheus/parse.ts";
import {
  counterSeries,
  defined,
  type Extractor,
  type GaugeKey,
  type Matcher,
  maxGauge,
  mentionedCounter,
  select,
} from "./common.ts";

export const NODE = {
  cpu: "node_cpu_seconds_total",
  memAvailable: "node_memory_MemAvailable_bytes",
  memTotal: "node_memory_MemTotal_bytes",
  fsAvail: "node_filesystem_avail_bytes",
  fsSize: "node_filesystem_size_bytes",
  fsReadonly: "node_filesystem_readonly",
  fsDeviceError: "node_filesystem_device_error",
  diskIoTime: "node_disk_io_time_seconds_total",
  receive: "node_network_receive_bytes_total",
  transmit: "node_network_transmit_bytes_total",
} as const;

/** CPU modes that are not work: idle, and waiting for I/O (the disk figure shows that). */
const NOT_BUSY = new Set(["idle", "iowait"]);
/** Memory-backed, virtual and image filesystems: never the disk that fills up. */
export const IGNORED_FSTYPES =
  /^(tmpfs|ramfs|devtmpfs|rootfs|overlay|squashfs|iso9660|nsfs|autofs|proc|sysfs|cgroup2?|devpts|mqueue|tracefs|debugfs|securityfs|pstore|bpf|fusectl|configfs|binfmt_misc|fuse\.lxcfs|fuse\.snapfuse)$/;
/** RAM disks, loop and floppy devices, compressed swap in RAM, optical drives. */
export const IGNORED_DISKS = /^(ram|loop|fd|zram|sr)\d*$/;
/** Loopback and virtual interfaces (container veths, bridges, overlays): their bytes cross a physical one too. */
export const IGNORED_INTERFACES =
  /^(lo|veth.*|docker\d*|br-.*|cni\d*|cali.*|flannel.*|vxlan.*|tunl\d*|virbr\d*|ifb\d*|kube-.*|lxc.*|genev_sys.*|weave|datapath|nodelocaldns)$/;

const device =
  (ignored: RegExp): Matcher =>
  (labels) =>
    !ignored.test(labels.device ?? "");

export const extractNode: Extractor = (exposition) => {
  if (!mentions(exposition, NODE.cpu) && !mentions(exposition, NODE.memTotal)) {
    return {
      ok: false,
      error: `no ${NODE.cpu} or ${NODE.memTotal} in the page: not node_exporter's /metrics (port 9100)`,
    };
  }
  const notes: string[] = [];
  const gauges: Partial<Record<GaugeKey, number>> = {};
  const available = maxGauge(select(exposition, NODE.memAvailable));
  const total = maxGauge(select(exposition, NODE.memTotal));
  if (available !== undefined && total !== undefined && total > 0) {
    gauges.memoryAvailablePercent = (100 * available) / total;
  } else
    notes.push(`no ${NODE.memAvailable} and ${NODE.memTotal} (kernel before 3.14, or meminfo collector off)`);

  const free = fullestFilesystem(exposition);
  if (free === undefined) notes.push("no writable disk filesystem in the page (filesystem collector off?)");
  else gauges.filesystemFreePercent = free;

  const cpu = select(exposition, NODE.cpu);
  return {
    ok: true,
    extraction: {
      gauges,
      counters: {
        ...(cpu.length === 0
          ? {}
          : {
              cpuSeconds: counterSeries(cpu, notes),
              cpuBusySeconds: counterSeries(
                cpu.filter((sample) => !NOT_BUSY.has(sample.labels.mode ?? "")),
                [],
              ),
            }),
        ...defined(
          "diskIoSeconds",
          mentionedCounter(exposition, NODE.diskIoTime, device(IGNORED_DISKS), notes),
        ),
        ...defined(
          "networkReceiveBytes",
          mentionedCounter(exposition, NODE.receive, device(IGNORED_INTERFACES), notes),
        ),
        ...defined(
          "networkTransmitBytes",
          mentionedCounter(exposition, NODE.transmit, device(IGNORED_INTERFACES), notes),
        ),
      },
      notes,
    },
  };
};

/**
 * The lowest free share among the writable disk filesystems: avail (what unprivileged users may
 * still write, root's reserve excluded) over size, joined on their device, mountpoint and fstype.
 */
function fullestFilesystem(exposition: Parameters<Extractor>[0]): number | undefined {
  const byFilesystem = (samples: readonly Sample[]): Map<string, number> =>
    new Map(samples.map((sample) => [seriesKey("", sample.labels), sample.value]));
  const diskFilesystem: Matcher = (labels) => !IGNORED_FSTYPES.test(labels.fstype ?? "");
  const sizes = byFilesystem(select(exposition, NODE.fsSize, diskFilesystem));
  const readonly = byFilesystem(select(exposition, NODE.fsReadonly));
  const deviceError = byFilesystem(select(exposition, NODE.fsDeviceError));
  let lowest: number | undefined;
  for (const avail of select(exposition, NODE.fsAvail, diskFilesystem)) {
    const key = seriesKey("", avail.labels);
    const size = sizes.get(key);
    if (size === undefined || !(size > 0) || !Number.isFinite(avail.value)) continue;
    // A read-only mount cannot fill up; a mount node_exporter could not stat reports stale zeros.
    if (readonly.get(key) === 1 || deviceError.get(key) === 1) continue;
    const percent = (100 * avail.value) / size;
    lowest = lowest === undefined ? percent : Math.min(lowest, percent);
  }
  return lowest;
}
