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
  /** As anonymous visitors get it: from the page cache (app/server/page-cache.server.ts). */
  need: RouteResult;
  /** Rendered for every request (a cookie bypasses the cache, as a logged-in visitor's does): the page's own cost. */
  needRendered: RouteResult;
  /** need requests/s ÷ bare requests/s. */
  ratio: number;
  /** needRendered requests/s ÷ bare requests/s. */
  renderedRatio: number;
  /** VmRSS of the server process before the first request of the test, MiB. */
  rssBeforeMb: number | null;
  /** Highest VmRSS of the server process during the test (sampled every 100 ms), MiB. */
  peakRssMb: number | null;
  rssSamples: number;
}

const HEADERS = { "accept-language": "en", accept: "text/html" };
// Any cookie but the language one makes the server render the page instead of serving its copy.
const RENDER_HEADERS = { ...HEADERS, cookie: "bench=rendered" };

async function measure(server: ChildServer, path: string, connections: number, duration: number, headers: Record<string, string> = HEADERS): Promise<RouteResult> {
  const { result: r, cpu } = await cpuSplit(server.pid, () => autocannon({ url: `${server.url}${path}`, connections, duration, headers, timeout: 10 }));
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
  // And each need-page measurement measures what it says: copies, and renders.
  const cached = await fetch(`${server.url}${NEED_PATH}`, { headers: HEADERS });
  const rendered = await fetch(`${server.url}${NEED_PATH}`, { headers: RENDER_HEADERS });
  await Promise.all([cached.text(), rendered.text()]);
  if (cached.headers.get("x-cache") !== "hit" || rendered.headers.has("x-cache")) {
    throw new Error(`page cache not as expected: X-Cache ${cached.headers.get("x-cache")} for visitors, ${rendered.headers.get("x-cache")} with a cookie`);
  }
  const rssBeforeMb = server.rssMb();
  const stopSampling = server.sampleRss(100);
  try {
    await measure(server, BARE_PATH, connections, warmupSeconds);
    await measure(server, NEED_PATH, connections, warmupSeconds);
    await measure(server, NEED_PATH, connections, warmupSeconds, RENDER_HEADERS);
    const bare = await measure(server, BARE_PATH, connections, durationSeconds);
    const need = await measure(server, NEED_PATH, connections, durationSeconds);
    const needRendered = await measure(server, NEED_PATH, connections, durationSeconds, RENDER_HEADERS);
    for (const r of [bare, need, needRendered]) {
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.path}: ${r.non2xx} non-2xx responses and ${r.errors} errors under load`);
    }
    const rss = stopSampling();
    return {
      database,
      connections,
      durationSeconds,
      bare,
      need,
      needRendered,
      ratio: Math.round((need.requestsPerSecond / bare.requestsPerSecond) * 1000) / 1000,
      renderedRatio: Math.round((needRendered.requestsPerSecond / bare.requestsPerSecond) * 1000) / 1000,
      rssBeforeMb,
      peakRssMb: rss.peakMb,
      rssSamples: rss.samples,
    };
  } finally {
    stopSampling();
  }
}
