// A node as this process last saw it (an answer, an operation's last
// observation), standing in for the next operation's first read of it: taken
// once, only while recent, and only for the instance it was bound to. The
// claim's PATCH answer before the spawn, and the deploy's end before the
// create's power-on, are the two uses; the rule for both lives here.
export class RecentNodes<N extends { instance_uuid: string | null }> {
  private readonly entries = new Map<string, { node: N; at: number }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  put(nodeUuid: string, node: N): void {
    this.entries.set(nodeUuid, { node, at: this.now() });
  }

  drop(nodeUuid: string): void {
    this.entries.delete(nodeUuid);
  }

  /** The node seen for `instanceUuid`, once; undefined when none, stale or bound elsewhere. */
  take(nodeUuid: string, instanceUuid: string): N | undefined {
    const entry = this.entries.get(nodeUuid);
    this.entries.delete(nodeUuid);
    if (entry === undefined || this.now() - entry.at > this.maxAgeMs) return undefined;
    return entry.node.instance_uuid === instanceUuid ? entry.node : undefined;
  }
}
