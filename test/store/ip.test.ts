// The pure IP arithmetic of the network model (src/store/ip.ts), as tables.
import { describe, expect, it } from "vitest";
import {
  canonicalAddress,
  cidrContains,
  cidrsOverlap,
  defaultGateway,
  defaultPools,
  formatCidr,
  freeAddresses,
  inPools,
  parseAddress,
  parseCidr,
  subnetProblem,
  type Cidr,
} from "../../src/store/ip.js";
import { address, cidr } from "../support/ip-parse.js";

describe("addresses", () => {
  it.each([
    ["192.0.2.1", "192.0.2.1"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:db8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longer run wins
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // a single zero group is not compressed
    ["::", "::"],
    ["::1", "::1"],
    ["fe80::", "fe80::"],
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
  ])("%s is %s", (text, canonical) => {
    expect(canonicalAddress(text)).toBe(canonical);
  });

  it.each(["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.-1", "2001:db8::1::2", "2001:db8:1:2:3:4:5:6:7", "12345::", "g::1", "1:2:3:4:5:6:7::8:9", "192.0.2.1/24"])(
    "%j is no address",
    (text) => {
      expect(parseAddress(text)).toBeUndefined();
    },
  );
});

describe("CIDRs", () => {
  it.each([
    ["192.0.2.0/24", true, "192.0.2.0/24"],
    ["2001:DB8::/64", true, "2001:db8::/64"],
    ["10.0.0.0/0", false, undefined], // host bits set
    ["0.0.0.0/0", true, "0.0.0.0/0"],
    ["192.0.2.1/24", false, undefined],
    ["192.0.2.0/33", false, undefined],
    ["192.0.2.0", false, undefined],
    ["2001:db8::/129", false, undefined],
  ])("%s parses: %s", (text, ok, formatted) => {
    const parsed = parseCidr(text);
    expect(parsed.ok).toBe(ok);
    if (parsed.ok) expect(formatCidr(parsed.cidr)).toBe(formatted);
  });

  it("recommends the network of a CIDR with host bits, as Neutron does", () => {
    expect(parseCidr("192.0.2.7/24")).toEqual({ ok: false, reason: "'192.0.2.7/24' isn't a recognized IP subnet cidr, '192.0.2.0/24' is recommended" });
  });

  it.each([
    ["192.0.2.0/24", "192.0.2.0", true],
    ["192.0.2.0/24", "192.0.2.255", true],
    ["192.0.2.0/24", "192.0.3.0", false],
    ["192.0.2.0/24", "2001:db8::1", false],
    ["2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff", true],
    ["2001:db8::/64", "2001:db8:0:1::", false],
  ])("%s contains %s: %s", (net, ip, inside) => {
    expect(cidrContains(cidr(net), address(ip))).toBe(inside);
  });

  it.each([
    ["192.0.2.0/24", "192.0.2.128/25", true],
    ["192.0.2.0/25", "192.0.2.128/25", false],
    ["10.0.0.0/8", "10.255.0.0/16", true],
    ["192.0.2.0/24", "2001:db8::/64", false],
  ])("%s and %s overlap: %s", (a, b, overlap) => {
    expect(cidrsOverlap(cidr(a), cidr(b))).toBe(overlap);
  });
});

describe("Neutron's defaults", () => {
  it.each([
    ["192.0.2.0/24", "192.0.2.1", [{ start: "192.0.2.2", end: "192.0.2.254" }]],
    ["192.0.2.0/30", "192.0.2.1", [{ start: "192.0.2.2", end: "192.0.2.2" }]],
    ["192.0.2.0/31", "192.0.2.0", [{ start: "192.0.2.1", end: "192.0.2.1" }]],
    ["192.0.2.1/32", null, []],
    ["2001:db8::/126", "2001:db8::1", [{ start: "2001:db8::2", end: "2001:db8::3" }]],
  ] as const)("%s: gateway %s, pools %j", (net, gateway, pools) => {
    expect(defaultGateway(cidr(net))).toBe(gateway);
    expect(defaultPools(cidr(net), gateway)).toEqual(pools);
  });

  it("a gateway inside the range splits the default pool; no gateway leaves it whole", () => {
    expect(defaultPools(cidr("192.0.2.0/28"), "192.0.2.5")).toEqual([
      { start: "192.0.2.1", end: "192.0.2.4" },
      { start: "192.0.2.6", end: "192.0.2.14" },
    ]);
    expect(defaultPools(cidr("192.0.2.0/28"), null)).toEqual([{ start: "192.0.2.1", end: "192.0.2.14" }]);
  });
});

describe("subnet validation", () => {
  // Parsed inside each case, not at collection: code run while collecting counts
  // as "static" for StrykerJS, whose vitest runner then runs no test for it.
  const net = (): Cidr => cidr("192.0.2.0/24");
  it.each([
    ["192.0.2.1", [{ start: "192.0.2.10", end: "192.0.2.20" }], undefined],
    [null, [{ start: "192.0.2.1", end: "192.0.2.254" }], undefined],
    ["192.0.3.1", [], "Gateway ip 192.0.3.1 conflicts with the subnet 192.0.2.0/24."],
    ["192.0.2.15", [{ start: "192.0.2.10", end: "192.0.2.20" }], "Gateway ip 192.0.2.15 conflicts with allocation pool 192.0.2.10-192.0.2.20."],
    ["192.0.2.1", [{ start: "192.0.2.20", end: "192.0.2.10" }], "The allocation pool 192.0.2.20-192.0.2.10 is not valid."],
    ["192.0.2.1", [{ start: "192.0.2.10", end: "nope" }], "The allocation pool 192.0.2.10-nope is not valid."],
    ["192.0.2.1", [{ start: "192.0.2.250", end: "192.0.3.5" }], "The allocation pool 192.0.2.250-192.0.3.5 spans beyond the subnet cidr 192.0.2.0/24."],
    ["192.0.2.1", [{ start: "192.0.2.0", end: "192.0.2.5" }], "The allocation pool 192.0.2.0-192.0.2.5 spans beyond the subnet cidr 192.0.2.0/24."],
    ["192.0.2.1", [{ start: "192.0.2.250", end: "192.0.2.255" }], "The allocation pool 192.0.2.250-192.0.2.255 spans beyond the subnet cidr 192.0.2.0/24."],
    [
      "192.0.2.1",
      [
        { start: "192.0.2.30", end: "192.0.2.40" },
        { start: "192.0.2.10", end: "192.0.2.30" },
      ],
      "Found overlapping allocation pools: 192.0.2.10-192.0.2.30 and 192.0.2.30-192.0.2.40 for subnet 192.0.2.0/24.",
    ],
    ["192.0.2.1", [{ start: "2001:db8::1", end: "2001:db8::2" }], "The allocation pool 2001:db8::1-2001:db8::2 is not valid."],
  ])("gateway %s, pools %j: %s", (gateway, pools, problem) => {
    expect(subnetProblem(net(), gateway, pools)).toBe(problem);
  });
});

describe("pool iteration", () => {
  const pools = [
    { start: "192.0.2.10", end: "192.0.2.12" },
    { start: "192.0.2.20", end: "192.0.2.21" },
  ];
  it.each([
    [[], 10, ["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.20", "192.0.2.21"]],
    [["192.0.2.10", "192.0.2.12"], 10, ["192.0.2.11", "192.0.2.20", "192.0.2.21"]],
    [[], 2, ["192.0.2.10", "192.0.2.11"]],
    [["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.20", "192.0.2.21"], 10, []],
  ])("taken %j, limit %d: %j", (taken, limit, free) => {
    expect(freeAddresses(4, pools, new Set(taken), limit)).toEqual(free);
  });

  it("walks a huge IPv6 pool only as far as it needs", () => {
    const v6 = [{ start: "2001:db8::2", end: "2001:db8::ffff:ffff:ffff:ffff" }];
    expect(freeAddresses(6, v6, new Set(["2001:db8::2"]), 2)).toEqual(["2001:db8::3", "2001:db8::4"]);
  });

  it.each([
    ["192.0.2.11", true],
    ["192.0.2.13", false],
    ["192.0.2.21", true],
    ["2001:db8::1", false],
  ])("%s in the pools: %s", (ip, inside) => {
    expect(inPools(4, pools, address(ip))).toBe(inside);
  });
});
