// Who a node belongs to (S3) for the mutation run (vitest.mutation.config.ts):
// the partition as Ironic filters, the partition check on a fresh node, and the
// owner/lessee rule — each table row pins one field or one side of a rule, so a
// dropped condition or a loosened comparison changes an answer here.
import { describe, expect, it } from "vitest";
import { outsidePartition, partitionFilters, partitionUsesShard, servesProject, type Partition } from "../../src/driver/tenancy.js";

describe("partitionFilters", () => {
  it.each([
    ["nothing", {}, {}],
    ["conductor group", { conductorGroup: "rack-a" }, { conductor_group: "rack-a" }],
    ["owner", { owner: "p1" }, { owner: "p1" }],
    ["lessee", { lessee: "p2" }, { lessee: "p2" }],
    ["shard", { shard: "s1" }, { shard: "s1" }],
    ["all", { conductorGroup: "rack-a", owner: "p1", lessee: "p2", shard: "s1" }, { conductor_group: "rack-a", owner: "p1", lessee: "p2", shard: "s1" }],
    // An empty string is a value Ironic filters on (the default conductor group), not "unset".
    ["the empty conductor group", { conductorGroup: "" }, { conductor_group: "" }],
  ] as [string, Partition, Record<string, string>][])("%s", (_what, partition, filters) => {
    // toStrictEqual: an unset field must be absent, not present as undefined.
    expect(partitionFilters(partition)).toStrictEqual(filters);
  });
});

describe("partitionUsesShard", () => {
  it.each([
    [{}, false],
    [{ conductorGroup: "rack-a", owner: "p1", lessee: "p2" }, false],
    [{ shard: "s1" }, true],
    [{ shard: "" }, true],
  ] as [Partition, boolean][])("%j → %s", (partition, usesShard) => {
    expect(partitionUsesShard(partition)).toBe(usesShard);
  });
});

describe("outsidePartition", () => {
  const node = { conductor_group: "rack-a", owner: "p1", lessee: "p2", shard: "s1" };
  const bare = { conductor_group: "", owner: null, lessee: null };

  it.each([
    ["no partition, a node with every field set", node, {}, null],
    ["no partition, a bare node", bare, {}, null],
    ["every field matching", node, { conductorGroup: "rack-a", owner: "p1", lessee: "p2", shard: "s1" }, null],
    // Ironic lower-cases conductor groups: either side may be written in capitals.
    ["a conductor group in capitals on the node", { ...node, conductor_group: "Rack-A" }, { conductorGroup: "rack-a" }, null],
    ["a conductor group in capitals in the partition", node, { conductorGroup: "RACK-A" }, null],
    ["another conductor group", node, { conductorGroup: "rack-b" }, "its conductor group is not 'rack-b'"],
    ["the default group, the node in another", node, { conductorGroup: "" }, "its conductor group is not ''"],
    ["another owner", node, { owner: "p9" }, "its owner is not 'p9'"],
    ["no owner", bare, { owner: "p1" }, "its owner is not 'p1'"],
    ["another lessee", node, { lessee: "p9" }, "its lessee is not 'p9'"],
    ["no lessee", bare, { lessee: "p2" }, "its lessee is not 'p2'"],
    ["another shard", node, { shard: "s9" }, "its shard is not 's9'"],
    ["no shard", { ...bare, shard: null }, { shard: "s1" }, "its shard is not 's1'"],
    // The first field that differs is named.
    ["everything different", bare, { conductorGroup: "rack-a", owner: "p1", lessee: "p2", shard: "s1" }, "its conductor group is not 'rack-a'"],
    ["owner and lessee different", node, { owner: "p9", lessee: "p9" }, "its owner is not 'p9'"],
    ["lessee and shard different", node, { lessee: "p9", shard: "s9" }, "its lessee is not 'p9'"],
  ] as [string, Parameters<typeof outsidePartition>[0], Partition, string | null][])("%s → %s", (_what, subject, partition, why) => {
    expect(outsidePartition(subject, partition)).toBe(why);
  });
});

describe("servesProject", () => {
  it.each([
    ["nobody's node", null, null, true],
    ["owned by the project", "p1", null, true],
    ["owned by another project", "p2", null, false],
    ["leased to the project", null, "p1", true],
    ["leased to another project", null, "p2", false],
    ["owned by another, leased to the project", "p2", "p1", true],
    ["owned by the project, leased to another", "p1", "p2", true],
    ["owned by and leased to others", "p2", "p3", false],
  ] as const)("%s → %s", (_what, owner, lessee, serves) => {
    expect(servesProject({ owner, lessee }, "p1")).toBe(serves);
  });
});
