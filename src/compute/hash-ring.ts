// Which compute service manages which node when several share one Ironic.
//
// The ring is the one Nova gets from tooz (`tooz.hashring.HashRing`, md5), kept
// byte-compatible so a mixed or migrating deployment (some Nova computes, some
// of ours) splits the nodes the same way and never manages one node twice.
// Algorithm: for each member, a running md5 is created already holding the
// member's UTF-8 bytes and then fed them once more per partition; each
// intermediate digest is a point on the ring owned by that member. Because of the
// seeding, the points are md5(mm), md5(mmm), … (partitions of them), NOT md5(m),
// md5(mm), …: tooz writes `hashlib.md5(key)` and then `update(key)` in the loop.
// Getting this wrong still "looks" right (most lookups agree) but moves ~8% of
// nodes on a 3-host ring; the 1-partition vectors in the tests catch it.
// A node's point is md5(node uuid); its owner is the member of the first ring
// point strictly greater (bisect_right), wrapping to the first point.

import { createHash } from "node:crypto";

export class HashRing {
  readonly #members: readonly string[];
  /** Sorted ring points and, at the same index, the member owning each. */
  readonly #points: readonly bigint[];
  readonly #owners: readonly string[];

  /**
   * Members are host names; they are lower-cased (as Nova does before calling
   * tooz) and de-duplicated. `partitions` is tooz's default, 2**5, as in Nova.
   */
  constructor(members: Iterable<string>, partitions = 32) {
    if (!Number.isSafeInteger(partitions) || partitions < 1) {
      throw new Error(`hash ring partitions must be a positive integer, got ${partitions}`);
    }
    const names = [...new Set([...members].map((member) => member.toLowerCase()))].sort();
    if (names.length === 0) throw new Error("hash ring has no members: at least this host must be in it");
    if (names.includes("")) throw new Error("hash ring member names must not be empty");

    const ring = new Map<bigint, string>();
    for (const name of names) {
      const bytes = Buffer.from(name, "utf8");
      const running = createHash("md5").update(bytes); // tooz: hashlib.md5(key)
      for (let i = 0; i < partitions; i++) {
        running.update(bytes);
        // digest() would end the running hash; a copy keeps it going.
        ring.set(digestToBigInt(running.copy().digest()), name);
      }
    }
    const points = [...ring.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.#members = names;
    this.#points = points;
    this.#owners = points.map((point) => ring.get(point) ?? "");
  }

  /** The de-duplicated, lower-cased members, sorted. */
  get members(): readonly string[] {
    return this.#members;
  }

  /**
   * The member managing `nodeUuid`. The uuid is hashed exactly as given (tooz does
   * not normalize it), so pass Ironic's own lower-case form.
   */
  owner(nodeUuid: string): string {
    const point = digestToBigInt(createHash("md5").update(nodeUuid, "utf8").digest());
    const index = bisectRight(this.#points, point);
    const owner = this.#owners[index === this.#points.length ? 0 : index];
    // Unreachable: the constructor refuses an empty ring.
    if (owner === undefined) throw new Error("hash ring is empty");
    return owner;
  }
}

/**
 * Whether `host` manages `node` (Nova's `_refresh_cache` rule): a node whose
 * instance this host runs is always ours, wherever the ring puts it; a node with
 * an instance of another host never is; a free node is ours if the ring says so.
 * Instance UUIDs are compared exactly (both sides are written by this service).
 */
export function ownsNode(
  ring: HashRing,
  host: string,
  node: { uuid: string; instance_uuid: string | null },
  instancesOfHost: ReadonlySet<string>,
): boolean {
  if (node.instance_uuid !== null) return instancesOfHost.has(node.instance_uuid);
  return ring.owner(node.uuid) === host.toLowerCase();
}

/** Python's int(hexdigest, 16): the digest as an unsigned big-endian integer. */
function digestToBigInt(digest: Buffer): bigint {
  return BigInt(`0x${digest.toString("hex")}`);
}

/** Python's bisect.bisect_right: the first index whose value is > x. */
function bisectRight(sorted: readonly bigint[], x: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const value = sorted[mid];
    if (value !== undefined && x < value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
