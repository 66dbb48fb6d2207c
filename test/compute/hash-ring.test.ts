// The hash ring must split nodes exactly as Nova's (tooz) does. The vectors
// below were produced by a Python re-implementation of tooz.hashring.HashRing
// (md5, weight 1; checked line by line against tooz's source, which seeds each
// member's running md5 with the member before the first update) run with
// Debian's python3 3.11: members lower-cased as Nova does, lookup data = uuid
// as UTF-8. With partitions = 1 a ring has one point per member, md5(mm).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HashRing, ownsNode } from "../../src/compute/hash-ring.js";

type Vector = [members: string[], partitions: number, uuid: string, owner: string];

const C2 = ["compute-1", "compute-2"];
const C3 = ["compute-1", "compute-2", "compute-3"];
const FQDN = ["Compute-A.example.org", "compute-b.example.org", "COMPUTE-C.EXAMPLE.ORG"];
const H5 = ["host1", "host2", "host3", "host4", "host5"];
const UNI = ["ünïcode-höst", "plain-host"];
const ABC = ["alpha", "beta", "gamma"];

const PYTHON_VECTORS: Vector[] = [
  [["compute-1"], 32, "1be26c0b-03f2-4d2e-ae87-c02d7f33c123", "compute-1"],
  [C2, 32, "00000000-0000-0000-0000-000000000000", "compute-1"],
  [C2, 32, "ffffffff-ffff-ffff-ffff-ffffffffffff", "compute-2"],
  [C2, 32, "1be26c0b-03f2-4d2e-ae87-c02d7f33c123", "compute-2"],
  // Same uuid upper-cased lands elsewhere: tooz hashes the bytes as given.
  [C2, 32, "1BE26C0B-03F2-4D2E-AE87-C02D7F33C123", "compute-1"],
  [C2, 32, "82b9bfbc-91ba-4257-9abe-22cad37b17c6", "compute-1"],
  [C3, 32, "00000000-0000-0000-0000-000000000000", "compute-3"],
  [C3, 32, "ffffffff-ffff-ffff-ffff-ffffffffffff", "compute-2"],
  [C3, 32, "1BE26C0B-03F2-4D2E-AE87-C02D7F33C123", "compute-1"],
  [C3, 32, "83d8e92d-f2ad-4c0e-a683-acdf2060d7c4", "compute-2"],
  [C3, 32, "e085b021-e0d4-4f2b-935a-b03d8de49eb1", "compute-3"],
  // md5 of this uuid is above the ring's last point: wraps to the first point.
  [C3, 32, "519088f5-90fb-4d11-9c1c-aaf75e8766ed", "compute-1"],
  // md5 of this uuid is below the ring's first point.
  [C3, 32, "2dc378f2-7037-4034-80ea-83977260ca26", "compute-1"],
  // These three tell tooz's seeded running hash (md5(mm), md5(mmm), …) from an
  // unseeded one (md5(m), md5(mm), …); the unseeded reading gives the last owner.
  [C3, 32, "5ccedc77-3429-479c-acda-4ccb01f35efe", "compute-2"], // unseeded: compute-3
  [C3, 32, "1c1b5b32-097c-480c-ad0f-d6d9a90965f5", "compute-2"], // unseeded: compute-3
  [C3, 32, "f94cf6b0-c986-4a9f-a664-718333674334", "compute-3"], // unseeded: compute-1
  [FQDN, 32, "00000000-0000-0000-0000-000000000000", "compute-b.example.org"],
  [FQDN, 32, "ffffffff-ffff-ffff-ffff-ffffffffffff", "compute-c.example.org"],
  [FQDN, 32, "94a2de50-ff54-4939-a9d6-bd800bc49874", "compute-a.example.org"],
  [H5, 32, "00000000-0000-0000-0000-000000000000", "host3"],
  [H5, 32, "ffffffff-ffff-ffff-ffff-ffffffffffff", "host2"],
  [H5, 32, "1be26c0b-03f2-4d2e-ae87-c02d7f33c123", "host5"],
  [H5, 32, "167dd41a-347a-4e47-8e5a-c63a43514e2e", "host4"],
  [H5, 32, "a30354ef-398b-4edf-a326-3c49440a9a11", "host1"],
  // Non-ASCII member: its UTF-8 bytes are hashed, not UTF-16 code units.
  [UNI, 32, "00000000-0000-0000-0000-000000000000", "plain-host"],
  [UNI, 32, "ffffffff-ffff-ffff-ffff-ffffffffffff", "ünïcode-höst"],
  [UNI, 32, "5043796d-4061-4823-9b39-320448410fe3", "ünïcode-höst"],
  [UNI, 32, "9b19cdec-60c9-4347-ba38-b767352e4941", "plain-host"],
  [ABC, 4, "00000000-0000-0000-0000-000000000000", "beta"],
  [ABC, 4, "ffffffff-ffff-ffff-ffff-ffffffffffff", "alpha"],
  [ABC, 4, "1be26c0b-03f2-4d2e-ae87-c02d7f33c123", "gamma"],
  [ABC, 1, "00000000-0000-0000-0000-000000000000", "beta"],
  [ABC, 1, "ffffffff-ffff-ffff-ffff-ffffffffffff", "alpha"],
];

/** Reproducible "random" v4-shaped UUIDs, so a failure can be replayed. */
function uuids(count: number, seed = "ring"): string[] {
  return Array.from({ length: count }, (_, i) => {
    const hex = createHash("sha256").update(`${seed}-${i}`).digest("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  });
}

describe("HashRing agrees with tooz (Python-derived vectors)", () => {
  it.each(PYTHON_VECTORS)("%j (partitions %i): %s → %s", (members, partitions, uuid, owner) => {
    expect(new HashRing(members, partitions).owner(uuid)).toBe(owner);
  });
});

describe("HashRing behaviour", () => {
  it("spreads 1,000 nodes over 3 hosts: each gets 20–47%", () => {
    const ring = new HashRing(C3);
    const counts = new Map<string, number>();
    for (const uuid of uuids(1000)) counts.set(ring.owner(uuid), (counts.get(ring.owner(uuid)) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(C3);
    for (const [host, count] of counts) {
      expect(count, host).toBeGreaterThanOrEqual(200);
      expect(count, host).toBeLessThanOrEqual(470);
    }
  });

  it("removing a host moves only that host's nodes", () => {
    const before = new HashRing(C3);
    const after = new HashRing(["compute-1", "compute-3"]);
    let moved = 0;
    for (const uuid of uuids(1000, "remove")) {
      const was = before.owner(uuid);
      const now = after.owner(uuid);
      if (was === "compute-2") {
        moved++;
        expect(now).not.toBe("compute-2");
      } else {
        expect(now, uuid).toBe(was);
      }
    }
    expect(moved).toBeGreaterThan(0);
  });

  it("membership is case-insensitive and de-duplicated", () => {
    const mixed = new HashRing(["Compute-1", "COMPUTE-2", "compute-1", "compute-2"]);
    const plain = new HashRing(C2);
    expect(mixed.members).toEqual(["compute-1", "compute-2"]);
    for (const uuid of uuids(200)) expect(mixed.owner(uuid)).toBe(plain.owner(uuid));
  });

  it("is deterministic whatever the member order", () => {
    const a = new HashRing(["compute-3", "compute-1", "compute-2"]);
    const b = new HashRing(C3);
    for (const uuid of uuids(200)) expect(a.owner(uuid)).toBe(b.owner(uuid));
  });

  it.each<[string, () => HashRing, RegExp]>([
    ["no members", () => new HashRing([]), /no members/],
    ["an empty member name", () => new HashRing(["compute-1", ""]), /must not be empty/],
    ["zero partitions", () => new HashRing(C2, 0), /positive integer/],
    ["fractional partitions", () => new HashRing(C2, 1.5), /positive integer/],
  ])("refuses %s", (_name, build, message) => {
    expect(build).toThrow(message);
  });
});

describe("ownsNode", () => {
  const ring = new HashRing(C3);
  const free = "1be26c0b-03f2-4d2e-ae87-c02d7f33c123"; // ring owner: compute-3
  const instance = "6b9c0d5e-0000-4000-8000-000000000001";

  it.each<[string, string, string | null, string[], boolean]>([
    ["free node the ring gives to this host", "compute-3", null, [], true],
    ["free node, host name in another case", "COMPUTE-3", null, [], true],
    ["free node the ring gives to another host", "compute-1", null, [], false],
    ["node running one of this host's instances, ring says elsewhere", "compute-1", instance, [instance], true],
    ["node running another host's instance, ring says here", "compute-3", instance, [], false],
  ])("%s → %s", (_name, host, instanceUuid, mine, owned) => {
    expect(ring.owner(free)).toBe("compute-3");
    expect(ownsNode(ring, host, { uuid: free, instance_uuid: instanceUuid }, new Set(mine))).toBe(owned);
  });
});
