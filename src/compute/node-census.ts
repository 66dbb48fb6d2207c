// The driver's node cache, counted for the API's /metrics gauge. It lives in
// the compute layer because the API never imports the driver (README "Layers"):
// what "available for a new server" means is the driver's rule, and this is the
// one place above the driver that applies it.
import { availability, type CachedNode } from "../driver/availability.js";

export interface NodeCount {
  provision_state: string;
  /** "true" when a new server could land on the node now. */
  available: "true" | "false";
  value: number;
}

/** Nodes by provision state and availability (provision_state is a closed set, so the result stays small). */
export function countNodesByState(nodes: Iterable<CachedNode>): NodeCount[] {
  const counts = new Map<string, NodeCount>();
  for (const node of nodes) {
    const available = availability(node).available && node.instance_uuid === null ? "true" : "false";
    const key = `${node.provision_state}\u0000${available}`;
    const entry = counts.get(key) ?? { provision_state: node.provision_state, available, value: 0 };
    entry.value += 1;
    counts.set(key, entry);
  }
  return [...counts.values()];
}
