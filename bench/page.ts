import autocannon from "autocannon";
import { cpuSplit, type ChildServer, type CpuSplit } from "./child";

/**
 * The need page against the bare page in the same server: autocannon with 32 keep-alive
 * connections, an anonymous visitor (no cookie) with an English Accept-Language. Each route
 * is warmed first (JIT, connection pools, caches), then measured; the server's RSS is sampled
 * across the whole test.
 */

export const NEED_PATH = "/needs/refrigerator-for-the-shelter";
export const BARE_PATH = "/bench/bare";

export interface RouteResult {
  path: string;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  bytesPerResponse: number;
  cpu: CpuSplit;
}

export interface PageResult {
  database: "postgresql" | "pglite";
  connections: number;
  durationSeconds: number;
  bare: RouteResult;
  need: RouteResult;
  /** need requests/s ÷ bare requests/s. */
  ratio: number;
  /** VmRSS of the server process before the first request of the test, MiB. */
  rssBeforeMb: number | null;
  /** Highest VmRSS of the server process during the test (sampled every 100 ms), MiB. */
  peakRssMb: number | null;
  rssSamples: number;
}

const HEADERS = { "accept-language": "en", accept: "text/html" };

async function measure(server: ChildServer, path: string, connections: number, duration: number): Promise<RouteResult> {
  const { result: r, cpu } = await cpuSplit(server.pid, () => autocannon({ url: `${server.url}${path}`, connections, duration, headers: HEADERS, timeout: 10 }));
  return {
    path,
    requestsPerSecond: Math.round((r.requests.total / r.duration) * 10) / 10,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMaxMs: r.latency.max,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    bytesPerResponse: r.requests.total > 0 ? Math.round(r.throughput.total / r.requests.total) : 0,
    cpu,
  };
}

export async function benchPages(
  server: ChildServer,
  database: PageResult["database"],
  options: { connections: number; durationSeconds: number; warmupSeconds: number },
): Promise<PageResult> {
  const { connections, durationSeconds, warmupSeconds } = options;
  // Both must answer 200 before any number means something.
  for (const path of [NEED_PATH, BARE_PATH]) {
    const res = await fetch(`${server.url}${path}`, { headers: HEADERS });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${body.slice(0, 200)}`);
  }
  const rssBeforeMb = server.rssMb();
  const stopSampling = server.sampleRss(100);
  try {
    await measure(server, BARE_PATH, connections, warmupSeconds);
    await measure(server, NEED_PATH, connections, warmupSeconds);
    const bare = await measure(server, BARE_PATH, connections, durationSeconds);
    const need = await measure(server, NEED_PATH, connections, durationSeconds);
    for (const r of [bare, need]) {
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.path}: ${r.non2xx} non-2xx responses and ${r.errors} errors under load`);
    }
    const rss = stopSampling();
    return {
      database,
      connections,
      durationSeconds,
      bare,
      need,
      ratio: Math.round((need.requestsPerSecond / bare.requestsPerSecond) * 1000) / 1000,
      rssBeforeMb,
      peakRssMb: rss.peakMb,
      rssSamples: rss.samples,
    };
  } finally {
    stopSampling();
  }
}
