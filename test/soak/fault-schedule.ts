// The fault soak's seeded schedule (faults.test.ts): one fault at a time on the
// fault proxy for a short window — connection resets, 503s, 409 "node locked"
// storms on writes, 1.5–4 s latency, 2–5 s outages — then removed again. The
// seed replays a run's schedule (its draws; what they meet depends on timing).
import { setTimeout as sleep } from "node:timers/promises";
import { nodeLockedBody, type FaultAction, type FaultProxy, type FaultRule } from "../../harness/fault-proxy.js";

/** mulberry32: a small seeded generator, so a run's fault schedule can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type FaultKind = "reset" | "503" | "409-locked" | "latency" | "outage";
export const KINDS: readonly FaultKind[] = ["reset", "503", "409-locked", "latency", "outage"];
// Node requests (VIFs included) and the volume targets the service creates and
// deletes for a server's volumes: the requests a lifecycle makes.
const LIFECYCLE_PATHS = /^\/v1\/(nodes|volume)(\/|\?|$)/;

interface Window {
  kind: FaultKind;
  rules: FaultRule[];
  ms: number;
}

/** The fault a schedule draw installs, and for how long. */
function draw(random: () => number): Window {
  const between = (low: number, high: number) => Math.round(low + random() * (high - low));
  const kind = KINDS[Math.floor(random() * KINDS.length)] ?? "reset";
  const rule = (action: FaultAction, extra: Partial<FaultRule> = {}): FaultRule => ({ path: LIFECYCLE_PATHS, action, ...extra });
  switch (kind) {
    case "reset":
      return { kind, rules: [rule({ kind: "reset" })], ms: between(500, 1_500) };
    case "503":
      return { kind, rules: [rule({ kind: "status", status: 503, body: JSON.stringify({ error_message: "fault soak: service unavailable" }) })], ms: between(1_000, 2_000) };
    case "409-locked": {
      // Ironic answers NodeLocked to writes only (a volume target's too: it locks its node).
      const locked: FaultAction = { kind: "status", status: 409, body: nodeLockedBody("(any node)", "conductor-fault-soak") };
      return { kind, rules: ["POST", "PUT", "PATCH", "DELETE"].map((method) => rule(locked, { method })), ms: between(1_000, 2_500) };
    }
    case "latency":
      return { kind, rules: [rule({ kind: "delay", ms: between(1_500, 4_000) })], ms: between(2_000, 4_000) };
    case "outage":
      // Ironic unreachable as a whole: every request reset, not only a lifecycle's.
      return { kind, rules: [{ path: /./, action: { kind: "reset" } }], ms: between(2_000, 5_000) };
  }
}

/**
 * Installs fault windows from the seeded schedule on `proxy` until `done` says
 * stop or `maxWindows` were installed; counts them in `injected`.
 */
export async function runSchedule(proxy: FaultProxy, seed: number, done: () => boolean, injected: Record<FaultKind, number>, maxWindows: number): Promise<void> {
  const random = seeded(seed);
  for (let windows = 0; windows < maxWindows && !done(); windows += 1) {
    await sleep(500 + random() * 2_000);
    if (done()) break;
    const window = draw(random);
    for (const r of window.rules) proxy.add(r);
    injected[window.kind] += 1;
    await sleep(window.ms);
    for (const r of window.rules) proxy.remove(r);
  }
}
