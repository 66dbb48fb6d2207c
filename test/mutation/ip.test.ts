// Boundary cases of src/store/ip.ts for the mutation run (vitest.mutation.config.ts):
// each table pins one edge of a range, prefix or parse check, so a flipped
// comparison or a loosened pattern changes an answer here.
import { describe, expect, it } from "vitest";
import {
  canonicalAddress,
  cidrContains,
  cidrsOverlap,
  defaultGateway,
  defaultPools,
  freeAddresses,
  inPools,
  parseAddress,
  parseCidr,
  subnetProblem,
  type Cidr,
} from "../../src/store/ip.js";
import { address, cidr } from "../support/ip-parse.js";

describe("address parsing at its edges", () => {
  it.each([
    ["0.0.0.1", "0.0.0.1"],
    ["10.0.0.0", "10.0.0.0"],
    ["1.2.3.4", "1.2.3.4"],
    ["199.200.201.255", "199.200.201.255"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"], // "::" for one group; a single zero is not compressed
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["ABCD:EF01::", "abcd:ef01::"],
    ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["0:0:1:0:0:0:0:0", "0:0:1::"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"], // the longer run wins, even when later
    ["1:0:0:0:2:0:0:3", "1::2:0:0:3"],
    ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"], // equal runs: the first
    ["0001::", "1::"],
    ["::ffff:1.2.3.4", "::ffff:102:304"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
    ["::255.255.255.255", "::ffff:ffff"],
  ])("%s is %s", (text, canonical) => {
    expect(canonicalAddress(text)).toBe(canonical);
  });

  it.each([
    "1.2.3.4 ",
    " 1.2.3.4",
    "1000.1.1.1",
    "1.2.3.256",
    "1.2.3.999",
    "00.1.1.1",
    "1.02.3.4",
    "1..2.3",
    "1.2.3.4.",
    "a.b.c.d",
    "1.2.3.4a",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7",
    "00001::",
    ":1::",
    "1::2:",
    "1:::2",
    "::1.2.3.4:1",
    "::ffff:1.2.3",
    "::ffff:256.1.1.1",
    "1:2:3:4:5:6:7:1.2.3.4",
    "::g",
    " ::1",
    "::1 ",
    "::12345",
    "1:2:3:4:5:6:7:8::1::2", // two "::": refused even when the text before them is a whole address
  ])("%j is no address", (text) => {
    expect(parseAddress(text)).toBeUndefined();
    expect(canonicalAddress(text)).toBeUndefined();
  });

  it("names the version of what it parsed", () => {
    expect(parseAddress("0.0.0.0")).toEqual({ version: 4, value: 0n });
    expect(parseAddress("255.255.255.255")).toEqual({ version: 4, value: 0xffffffffn });
    expect(parseAddress("::")).toEqual({ version: 6, value: 0n });
    expect(parseAddress("::1:2")).toEqual({ version: 6, value: 0x10002n });
  });
});

describe("CIDR parsing at its edges", () => {
  it.each([
    ["0.0.0.0/32", "0.0.0.0/32"],
    ["255.255.255.255/32", "255.255.255.255/32"],
    ["192.0.2.1/32", "192.0.2.1/32"],
    ["128.0.0.0/1", "128.0.0.0/1"],
    ["0.0.0.0/1", "0.0.0.0/1"],
    ["::/0", "::/0"],
    ["::/128", "::/128"],
    ["2001:db8::1/128", "2001:db8::1/128"],
    ["8000::/1", "8000::/1"],
  ])("%s is the subnet %s", (text, formatted) => {
    const parsed = parseCidr(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(`${canonicalAddress(text.split("/")[0] ?? "") ?? ""}/${parsed.cidr.prefix}`).toBe(formatted);
  });

  it("keeps version, network and prefix", () => {
    expect(parseCidr("10.0.0.0/8")).toEqual({ ok: true, cidr: { version: 4, network: 0x0a000000n, prefix: 8 } });
    expect(parseCidr("8000::/1")).toEqual({ ok: true, cidr: { version: 6, network: 1n << 127n, prefix: 1 } });
  });

  it.each(["192.0.2.0/", "/24", "192.0.2.0/24/24", "junk/10.0.0.0/8", "10.0.0.0/8x", "10.0.0.0/-1", "::/1000", "::/129", "0.0.0.0/33", "nope/8", "10.0.0.0/ 8"])(
    "%j is not a valid IP subnet",
    (text) => {
      expect(parseCidr(text)).toEqual({ ok: false, reason: `'${text}' is not a valid IP subnet` });
    },
  );

  it.each([
    ["128.0.0.0/0", "0.0.0.0/0"],
    ["0.0.0.1/31", "0.0.0.0/31"],
    ["::1/127", "::/127"],
    ["8000::/0", "::/0"],
  ])("%s has host bits; %s is recommended", (text, recommended) => {
    expect(parseCidr(text)).toEqual({ ok: false, reason: `'${text}' isn't a recognized IP subnet cidr, '${recommended}' is recommended` });
  });
});

describe("containment and overlap at the edges", () => {
  it.each([
    ["192.0.2.0/24", "192.0.1.255", false],
    ["192.0.2.0/24", "192.0.2.0", true],
    ["192.0.2.0/24", "192.0.2.255", true],
    ["192.0.2.1/32", "192.0.2.1", true],
    ["192.0.2.1/32", "192.0.2.2", false],
    ["192.0.2.1/32", "192.0.2.0", false],
    ["2001:db8::/64", "2001:db8::", true],
    ["2001:db8::/64", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false],
    ["::/96", "0.0.0.1", false], // same number, other version
    ["0.0.0.0/0", "::1", false],
  ])("%s contains %s: %s", (net, ip, inside) => {
    expect(cidrContains(cidr(net), address(ip))).toBe(inside);
  });

  it.each([
    ["192.0.2.0/24", "192.0.2.255/32", true],
    ["192.0.2.0/24", "192.0.2.0/32", true],
    ["192.0.2.0/24", "192.0.3.0/24", false],
    ["192.0.3.0/24", "192.0.2.0/24", false],
    ["192.0.2.0/25", "192.0.2.127/32", true],
    ["192.0.2.128/32", "192.0.2.0/25", false],
    ["0.0.0.0/0", "::/0", false],
    ["::/96", "0.0.0.0/0", false],
    ["192.0.2.0/24", "192.0.2.0/24", true],
  ])("%s and %s overlap: %s", (a, b, overlap) => {
    expect(cidrsOverlap(cidr(a), cidr(b))).toBe(overlap);
    expect(cidrsOverlap(cidr(b), cidr(a))).toBe(overlap);
  });
});

describe("Neutron's defaults at the edges", () => {
  it.each([
    ["192.0.2.0/24", "192.0.2.1"],
    ["2001:db8::/64", "2001:db8::1"],
    ["2001:db8::/127", null], // one usable address (IPv6 keeps the last): none to spare
    ["2001:db8::1/128", null],
    ["192.0.2.0/31", "192.0.2.0"],
    ["192.0.2.0/32", null],
  ])("%s: gateway %s", (net, gateway) => {
    expect(defaultGateway(cidr(net))).toBe(gateway);
  });

  it.each([
    ["192.0.2.0/30", null, [{ start: "192.0.2.1", end: "192.0.2.2" }]],
    ["192.0.2.0/31", null, [{ start: "192.0.2.0", end: "192.0.2.1" }]],
    ["192.0.2.0/31", "192.0.2.1", [{ start: "192.0.2.0", end: "192.0.2.0" }]],
    ["2001:db8::/126", null, [{ start: "2001:db8::1", end: "2001:db8::3" }]],
    ["2001:db8::/126", "2001:db8::3", [{ start: "2001:db8::1", end: "2001:db8::2" }]],
    ["2001:db8::/127", null, [{ start: "2001:db8::1", end: "2001:db8::1" }]],
    ["2001:db8::1/128", null, []],
    ["192.0.2.0/32", "192.0.2.0", []],
    ["192.0.2.0/24", "192.0.2.254", [{ start: "192.0.2.1", end: "192.0.2.253" }]],
    ["192.0.2.0/24", "192.0.2.1", [{ start: "192.0.2.2", end: "192.0.2.254" }]],
    ["192.0.2.0/24", "192.0.2.0", [{ start: "192.0.2.1", end: "192.0.2.254" }]],
    ["192.0.2.0/24", "192.0.2.255", [{ start: "192.0.2.1", end: "192.0.2.254" }]],
    ["192.0.2.0/24", "10.0.0.1", [{ start: "192.0.2.1", end: "192.0.2.254" }]],
    ["192.0.2.0/24", "192.0.3.1", [{ start: "192.0.2.1", end: "192.0.2.254" }]], // above the subnet
    ["192.0.2.0/24", "nope", [{ start: "192.0.2.1", end: "192.0.2.254" }]],
    ["0.0.0.0/24", "::5", [{ start: "0.0.0.1", end: "0.0.0.254" }]], // a number inside, of the other version
  ] as const)("%s, gateway %s: pools %j", (net, gateway, pools) => {
    expect(defaultPools(cidr(net), gateway)).toEqual(pools);
  });
});

describe("subnet validation at the edges", () => {
  // Parsed inside each case, not at collection: code run while collecting counts
  // as "static" for StrykerJS, whose vitest runner then runs no test for it.
  const net = (): Cidr => cidr("192.0.2.0/24");
  it.each([
    [null, [], undefined],
    ["192.0.2.0", [], undefined],
    ["192.0.2.255", [], undefined],
    ["nope", [], "Gateway ip nope conflicts with the subnet 192.0.2.0/24."],
    ["2001:db8::1", [], "Gateway ip 2001:db8::1 conflicts with the subnet 192.0.2.0/24."],
    ["192.0.1.255", [], "Gateway ip 192.0.1.255 conflicts with the subnet 192.0.2.0/24."],
    [null, [{ start: "192.0.2.5", end: "192.0.2.5" }], undefined],
    [null, [{ start: "192.0.2.1", end: "192.0.2.254" }], undefined],
    [null, [{ start: "192.0.2.6", end: "192.0.2.5" }], "The allocation pool 192.0.2.6-192.0.2.5 is not valid."],
    [null, [{ start: "nope", end: "192.0.2.5" }], "The allocation pool nope-192.0.2.5 is not valid."],
    [null, [{ start: "192.0.2.1", end: "192.0.2.255" }], "The allocation pool 192.0.2.1-192.0.2.255 spans beyond the subnet cidr 192.0.2.0/24."],
    [null, [{ start: "192.0.2.0", end: "192.0.2.254" }], "The allocation pool 192.0.2.0-192.0.2.254 spans beyond the subnet cidr 192.0.2.0/24."],
    [
      null,
      [
        { start: "192.0.2.10", end: "192.0.2.20" },
        { start: "192.0.2.21", end: "192.0.2.30" },
      ],
      undefined,
    ],
    [
      null,
      [
        { start: "192.0.2.30", end: "192.0.2.40" },
        { start: "192.0.2.10", end: "192.0.2.20" },
      ],
      undefined,
    ],
    [
      null,
      [
        { start: "192.0.2.50", end: "192.0.2.60" },
        { start: "192.0.2.10", end: "192.0.2.20" },
        { start: "192.0.2.55", end: "192.0.2.70" },
      ],
      "Found overlapping allocation pools: 192.0.2.50-192.0.2.60 and 192.0.2.55-192.0.2.70 for subnet 192.0.2.0/24.",
    ],
    [
      null,
      [
        { start: "192.0.2.10", end: "192.0.2.20" },
        { start: "192.0.2.20", end: "192.0.2.30" },
      ],
      "Found overlapping allocation pools: 192.0.2.10-192.0.2.20 and 192.0.2.20-192.0.2.30 for subnet 192.0.2.0/24.",
    ],
    [
      null,
      [
        { start: "192.0.2.40", end: "192.0.2.50" },
        { start: "192.0.2.10", end: "192.0.2.20" },
        { start: "192.0.2.15", end: "192.0.2.30" },
      ],
      "Found overlapping allocation pools: 192.0.2.10-192.0.2.20 and 192.0.2.15-192.0.2.30 for subnet 192.0.2.0/24.",
    ],
    [
      null,
      [
        { start: "192.0.2.10", end: "192.0.2.20" },
        { start: "192.0.2.10", end: "192.0.2.15" },
      ],
      "Found overlapping allocation pools: 192.0.2.10-192.0.2.20 and 192.0.2.10-192.0.2.15 for subnet 192.0.2.0/24.", // equal starts keep their order
    ],
    ["192.0.2.10", [{ start: "192.0.2.10", end: "192.0.2.20" }], "Gateway ip 192.0.2.10 conflicts with allocation pool 192.0.2.10-192.0.2.20."],
    ["192.0.2.20", [{ start: "192.0.2.10", end: "192.0.2.20" }], "Gateway ip 192.0.2.20 conflicts with allocation pool 192.0.2.10-192.0.2.20."],
    ["192.0.2.9", [{ start: "192.0.2.10", end: "192.0.2.20" }], undefined],
    ["192.0.2.21", [{ start: "192.0.2.10", end: "192.0.2.20" }], undefined],
    [
      "192.0.2.35",
      [
        { start: "192.0.2.10", end: "192.0.2.20" },
        { start: "192.0.2.30", end: "192.0.2.40" },
      ],
      "Gateway ip 192.0.2.35 conflicts with allocation pool 192.0.2.30-192.0.2.40.",
    ],
  ] as const)("gateway %s, pools %j: %s", (gateway, pools, problem) => {
    expect(subnetProblem(net(), gateway, pools)).toBe(problem);
  });

  it("a /32 has no usable address for a pool; a /31 has both", () => {
    expect(subnetProblem(cidr("192.0.2.1/32"), null, [{ start: "192.0.2.1", end: "192.0.2.1" }])).toBe(
      "The allocation pool 192.0.2.1-192.0.2.1 spans beyond the subnet cidr 192.0.2.1/32.",
    );
    expect(subnetProblem(cidr("192.0.2.0/31"), null, [{ start: "192.0.2.0", end: "192.0.2.1" }])).toBeUndefined();
    expect(subnetProblem(cidr("2001:db8::/64"), null, [{ start: "2001:db8::1", end: "2001:db8::ffff:ffff:ffff:ffff" }])).toBeUndefined();
    expect(subnetProblem(cidr("2001:db8::/64"), null, [{ start: "2001:db8::", end: "2001:db8::5" }])).toBe(
      "The allocation pool 2001:db8::-2001:db8::5 spans beyond the subnet cidr 2001:db8::/64.",
    );
  });
});

describe("pools at the edges", () => {
  const pools = [
    { start: "nope", end: "192.0.2.3" },
    { start: "192.0.2.10", end: "192.0.2.12" },
    { start: "192.0.2.20", end: "192.0.2.21" },
  ];
  it.each([
    ["192.0.2.9", false],
    ["192.0.2.10", true],
    ["192.0.2.12", true],
    ["192.0.2.19", false],
    ["192.0.2.20", true],
    ["192.0.2.22", false],
    ["192.0.2.3", false],
    ["::c000:20b", false], // 192.0.2.11's number, as IPv6
  ])("%s in the pools: %s", (ip, inside) => {
    expect(inPools(4, pools, address(ip))).toBe(inside);
  });

  it("a pool of the other version holds nothing", () => {
    expect(inPools(6, pools, address("192.0.2.11"))).toBe(false);
    expect(inPools(6, [{ start: "::1", end: "::5" }], address("::5"))).toBe(true);
    expect(freeAddresses(6, pools, new Set(), 10)).toEqual([]);
  });

  it.each([
    [0, []],
    [1, ["192.0.2.10"]],
    [3, ["192.0.2.10", "192.0.2.11", "192.0.2.12"]],
    [4, ["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.20"]],
    [10, ["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.20", "192.0.2.21"]],
  ])("limit %d: %j (an unparseable pool is skipped)", (limit, free) => {
    expect(freeAddresses(4, pools, new Set(), limit)).toEqual(free);
  });

  it("a reversed pool yields nothing; taken ones are skipped at both ends", () => {
    expect(freeAddresses(4, [{ start: "192.0.2.5", end: "192.0.2.4" }], new Set(), 10)).toEqual([]);
    expect(freeAddresses(4, pools, new Set(["192.0.2.10", "192.0.2.21"]), 10)).toEqual(["192.0.2.11", "192.0.2.12", "192.0.2.20"]);
  });
});
