import { fork, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./fixtures";

/**
 * Starts bench/server.ts as a child process (its own heap, its own RSS, its own CPU profile)
 * on a free loopback port, in production mode, with its logs (LOG_LEVEL=info: one line per
 * request, as in production) going to a file.
 */

export interface ChildServer {
  url: string;
  pid: number;
  logPath: string;
  /** Samples the child's resident set size until the returned function is called (Linux: /proc). */
  sampleRss(intervalMs?: number): () => RssSample;
  /** The child's RSS now (VmRSS), in MiB; null where /proc is missing. */
  rssMb(): number | null;
  /** The child's process.memoryUsage(), in MiB. */
  memory(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export interface RssSample {
  /** Highest VmRSS seen while sampling, in MiB; null where /proc is missing. */
  peakMb: number | null;
  samples: number;
}

function procStatusKb(pid: number, field: "VmRSS"): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

// NOTE: /proc/<pid>/stat counts CPU time in clock ticks, 100 per second on Linux (USER_HZ).
const TICKS_PER_SECOND = 100;

function cpuTicks(pid: number | string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may contain spaces) in parentheses; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** CPU seconds used so far by every PostgreSQL process on this machine (backends that exited are lost). */
function postgresTicks(): number | null {
  let total = 0;
  let found = false;
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let comm: string;
      try {
        comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      } catch {
        continue;
      }
      if (comm !== "postgres") continue;
      const ticks = cpuTicks(pid);
      if (ticks !== null) {
        total += ticks;
        found = true;
      }
    }
  } catch {
    return null;
  }
  return found ? total : null;
}

export interface CpuSplit {
  wallSeconds: number;
  /** CPU seconds of the server process, of PostgreSQL (all its processes), of the bench itself (load generator). */
  serverSeconds: number | null;
  postgresSeconds: number | null;
  benchSeconds: number;
}

/** Who used the two cores while `work` ran: the server, PostgreSQL, or the load generator. */
export async function cpuSplit<T>(serverPid: number, work: () => Promise<T>): Promise<{ result: T; cpu: CpuSplit }> {
  const before = { wall: performance.now(), server: cpuTicks(serverPid), postgres: postgresTicks(), bench: process.cpuUsage() };
  const result = await work();
  const server = cpuTicks(serverPid);
  const postgres = postgresTicks();
  const bench = process.cpuUsage(before.bench);
  // Never below 0: a backend that exits during the run takes its ticks with it.
  const seconds = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.max(0, Math.round(((b - a) / TICKS_PER_SECOND) * 100) / 100));
  return {
    result,
    cpu: {
      wallSeconds: Math.round((performance.now() - before.wall) / 10) / 100,
      serverSeconds: seconds(before.server, server),
      postgresSeconds: seconds(before.postgres, postgres),
      benchSeconds: Math.round((bench.user + bench.system) / 10_000) / 100,
    },
  };
}

const mb = (kb: number | null) => (kb === null ? null : Math.round((kb / 1024) * 10) / 10);

export async function startChildServer(options: {
  name: string;
  /** The server's configuration (parsed by parseEnv in the child); HOST, PORT and APP_URL are added. */
  env: Record<string, string>;
  logDir: string;
  /** Write a V8 CPU profile of the whole run into this folder. */
  profileDir?: string;
}): Promise<ChildServer> {
  const port = await freePort();
  const env = {
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: "info",
    ...options.env,
  };
  const logPath = join(options.logDir, `server-${options.name}.log`);
  const logFd = openSync(logPath, "a");
  const execArgv = ["--import", "tsx"];
  // One folder per server: tsx's loader thread writes a profile of its own next to the main thread's.
  if (options.profileDir) execArgv.push("--cpu-prof", `--cpu-prof-dir=${join(options.profileDir, options.name)}`);
  const child: ChildProcess = fork("bench/server.ts", [JSON.stringify(env)], {
    execArgv,
    // Only what the child needs: the parent's own environment (a developer's DATABASE_URL, say)
    // must not leak into the server under test. NODE_ENV selects React's production build.
    env: { NODE_ENV: env.NODE_ENV as "production" | "development" | "test" },
    stdio: ["ignore", logFd, logFd, "ipc"],
  });
  closeSync(logFd);

  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name}: server did not start in 120 s (log: ${logPath})`)), 120_000);
    child.on("message", (message: { type?: string; url?: string }) => {
      if (message?.type === "ready" && message.url) {
        clearTimeout(timer);
        resolve(message.url);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      const tail = readFileSync(logPath, "utf8").split("\n").slice(-20).join("\n");
      reject(new Error(`${options.name}: server exited with ${code} before listening (log: ${logPath})\n${tail}`));
    });
  });
  const pid = child.pid!;

  return {
    url,
    pid,
    logPath,
    sampleRss(intervalMs = 100) {
      let peakKb: number | null = null;
      let samples = 0;
      const take = () => {
        const kb = procStatusKb(pid, "VmRSS");
        if (kb === null) return;
        samples += 1;
        peakKb = Math.max(peakKb ?? 0, kb);
      };
      take();
      const timer = setInterval(take, intervalMs);
      return () => {
        clearInterval(timer);
        take();
        return { peakMb: mb(peakKb), samples };
      };
    },
    rssMb: () => mb(procStatusKb(pid, "VmRSS")),
    memory: () =>
      new Promise((resolve) => {
        const onMessage = (message: { type?: string; usage?: Record<string, number> }) => {
          if (message?.type !== "memory" || !message.usage) return;
          child.off("message", onMessage);
          resolve(Object.fromEntries(Object.entries(message.usage).map(([k, v]) => [k, mb(v / 1024)!])));
        };
        child.on("message", onMessage);
        child.send("memory");
      }),
    async stop() {
      if (child.exitCode !== null) return;
      child.send("stop");
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await exited;
      clearTimeout(killer);
      if (code !== 0) console.warn(`  (${options.name}: server exited with ${code}; log: ${logPath})`);
    },
  };
}
