// What the create/delete bench reads about a run: CPU of a process from /proc,
// Ironic's own request log grouped by kind, and small counting helpers.
import { readFile } from "node:fs/promises";

export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export interface CallStats {
  count: number;
  /** Sum of Ironic's own "time:" per request, seconds. */
  ironicS: number;
  statuses: Record<string, number>;
}

/** User + system CPU of a process from /proc, in ms. */
export async function cpuOf(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // After the command: state is field 3, so utime (14) and stime (15) are at 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

export function cpuNow(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/**
 * Which listing a GET /v1/nodes is: the shared watch's (associated nodes only),
 * the node cache's refresh (every node of the partition), a later page of either.
 */
function listingKind(query: string): string {
  const page = query.includes("marker=") ? ", next page" : "";
  return /associated=(true|1)/i.test(query) ? ` (watch${page})` : ` (cache${page})`;
}

/** The API calls Ironic logged after byte `from` of its log, by kind. */
export async function ironicCalls(logFile: string, from: number): Promise<Record<string, CallStats>> {
  const text = (await readFile(logFile)).subarray(from).toString("utf8");
  const calls: Record<string, CallStats> = {};
  const line = /"(GET|PUT|PATCH|POST|DELETE) ([^ ?"]+)(\?[^ "]*)? HTTP\/1\.1" status: (\d+)\s+len: \d+ time: ([0-9.]+)/g;
  for (const match of text.matchAll(line)) {
    const [, method = "", path = "", query = "", status = "", seconds = "0"] = match;
    const template = path.replace(UUID, "{id}");
    const kind = `${method} ${template}${template === "/v1/nodes" ? listingKind(query) : ""}`;
    const entry = (calls[kind] ??= { count: 0, ironicS: 0, statuses: {} });
    entry.count++;
    entry.ironicS += Number(seconds);
    entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
  }
  return calls;
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

/** "N× message" per distinct failure text (UUIDs folded), most frequent first. */
export function groupFailures(messages: readonly string[]): string[] {
  const counts = countBy(messages, (message) => message.replace(UUID, "<uuid>").slice(0, 300));
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([message, count]) => `${count}× ${message}`);
}

