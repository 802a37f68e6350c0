import { readFileSync } from "node:fs";

/**
 * Where the time goes: a V8 .cpuprofile (node --cpu-prof) summed by self time, per package or
 * app folder and per function. Idle time is left out, so shares are of busy CPU.
 */

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  busyMs: number;
  byArea: Array<{ area: string; ms: number; share: number }>;
  byFunction: Array<{ fn: string; ms: number; share: number }>;
}

/** node_modules/<pkg> (scoped too), app/<folder>, node:internal, or V8's own (garbage collector). */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return "node: (core)";
  const app = /\/(app|build|bench|db)\/(?:([^/]+)\/)?/.exec(url);
  if (app) return app[1] === "build" ? "build/ (app bundle)" : `${app[1]}/${app[2] ?? ""}`;
  return url.replace(/^file:\/\//, "");
}

export function summariseProfile(file: string, top = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attribute it to the sample's node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const node = byNode.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") continue;
    busy += us;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const fn = `${functionName || "(anonymous)"} ${area}${url ? `:${lineNumber + 1}` : ""}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  }
  const rank = <K extends string>(m: Map<string, number>, key: K) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ [key]: name, ms: Math.round(us / 1000), share: Math.round((us / busy) * 1000) / 10 }) as { [P in K]: string } & { ms: number; share: number });
  return { file, busyMs: Math.round(busy / 1000), byArea: rank(areas, "area"), byFunction: rank(fns, "fn") };
}
