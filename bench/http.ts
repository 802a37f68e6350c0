import { Agent, request } from "node:http";

/**
 * POSTs over keep-alive loopback connections with a fixed number in flight: lighter than
 * fetch, so the client takes less of the two cores the server needs.
 */

export interface PostResult {
  status: number;
  body: string;
  ms: number;
}

export function createPoster(baseUrl: string, concurrency: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const { hostname, port } = new URL(baseUrl);
  const post = (path: string, body: string, headers: Record<string, string>) =>
    new Promise<PostResult>((resolve, reject) => {
      const started = performance.now();
      const req = request(
        {
          agent,
          hostname,
          port,
          path,
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

/** Runs `work` over `items` with at most `concurrency` in flight, in order of the list. */
export async function pool<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[index]! * 10) / 10;
}
