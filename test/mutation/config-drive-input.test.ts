// Pure unit tests for src/driver/config-drive/input.ts that pin the exact
// refusal (message and boundary) of each check, so that StrykerJS mutants of a
// condition or a message are caught (docs/security.md "Mutation scores").

import { describe, expect, it } from "vitest";
import {
  INJECTED_FILES_UNSUPPORTED,
  validateInjectedFilePath,
  validateInjectedFiles,
  validateMetadata,
  validatePublicKeys,
  validateVendorData,
  validateX509Certificate,
} from "../../src/driver/config-drive/input.js";
import { CONFIG_DRIVE_LIMITS, VENDOR_DATA_DEPTH } from "../../src/driver/config-drive/limits.js";
import { InvalidInputError } from "../../src/driver/errors.js";
import { TEST_CERTIFICATE as CERTIFICATE } from "../support/test-certificate.js";

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error("expected an InvalidInputError, nothing was thrown");
}

function sshBlob(blobType: string, material = 32): string {
  const name = Buffer.from(blobType, "latin1");
  const header = Buffer.alloc(4);
  header.writeUInt32BE(name.length);
  const rest = Buffer.alloc(4 + material, 7);
  rest.writeUInt32BE(material);
  return Buffer.concat([header, name, rest]).toString("base64");
}

const ED25519 = `ssh-ed25519 ${sshBlob("ssh-ed25519")}`;

describe("validateMetadata", () => {
  it("refuses a non-object with its message", () => {
    expect(refusal(() => validateMetadata([]))).toBe("metadata must be an object of strings");
  });

  it("accepts exactly the item limit and refuses one more, naming both counts", () => {
    const at = Object.fromEntries(Array.from({ length: CONFIG_DRIVE_LIMITS.metadataItems }, (_, i) => [`k${i}`, "v"]));
    expect(Object.keys(validateMetadata(at))).toHaveLength(CONFIG_DRIVE_LIMITS.metadataItems);
    const over = { ...at, extra: "v" };
    expect(refusal(() => validateMetadata(over))).toBe(`metadata has 129 items; the limit is ${CONFIG_DRIVE_LIMITS.metadataItems}`);
  });

  it("copies the entries into a fresh object", () => {
    const input = { a: "1", b: "2" };
    const out = validateMetadata(input);
    expect(out).toEqual({ a: "1", b: "2" });
    expect(out).not.toBe(input);
  });

  it("checks keys: non-empty, no control characters, at most 255 characters", () => {
    expect(refusal(() => validateMetadata({ "": "v" }))).toBe("a metadata key must not be empty");
    expect(refusal(() => validateMetadata({ "a\tb": "v" }))).toBe("a metadata key contains a control character");
    expect(refusal(() => validateMetadata({ ["k".repeat(256)]: "v" }))).toBe("a metadata key is longer than 255 characters");
    expect(validateMetadata({ ["k".repeat(255)]: "v" })).toEqual({ ["k".repeat(255)]: "v" });
  });

  it("checks values: a string of at most 255 characters, named by its key", () => {
    expect(refusal(() => validateMetadata({ k: 1 }))).toBe('metadata value of "k" must be a string');
    expect(refusal(() => validateMetadata({ k: "v".repeat(256) }))).toBe('metadata value of "k" is longer than 255 characters');
    expect(validateMetadata({ k: "" })).toEqual({ k: "" });
    expect(validateMetadata({ k: "a\tb" })).toEqual({ k: "a\tb" });
  });
});

describe("validatePublicKeys: ssh", () => {
  function ssh(data: string): string {
    return refusal(() => validatePublicKeys([{ name: "k", type: "ssh", data }]));
  }

  it("returns the trimmed line in both public_keys and keys", () => {
    const out = validatePublicKeys([{ name: "k", type: "ssh", data: `  ${ED25519} me@host \n` }]);
    expect(out).toEqual({ publicKeys: { k: `${ED25519} me@host` }, keys: [{ name: "k", type: "ssh", data: `${ED25519} me@host` }] });
  });

  it("accepts a tab between the fields", () => {
    const line = `ssh-ed25519\t${sshBlob("ssh-ed25519")}\tcomment`;
    expect(validatePublicKeys([{ name: "k", type: "ssh", data: line }]).publicKeys).toEqual({ k: line });
  });

  it("refuses a line break inside, with its message", () => {
    expect(ssh(`${ED25519}\nx`)).toBe('public key "k" must be a single line');
    expect(ssh(`${ED25519}\rx`)).toBe('public key "k" must be a single line');
  });

  it("refuses a blank line as empty", () => {
    expect(ssh("  \t ")).toBe('public key "k" must not be empty');
  });

  it("accepts several blanks between the fields", () => {
    const line = `ssh-ed25519 \t ${sshBlob("ssh-ed25519")}  comment`;
    expect(validatePublicKeys([{ name: "k", type: "ssh", data: line }]).publicKeys).toEqual({ k: line });
  });

  it("bounds the untrimmed data, not only the trimmed line", () => {
    expect(ssh(`${ED25519}${" ".repeat(CONFIG_DRIVE_LIMITS.publicKeyChars)}`)).toBe('public key "k" is longer than 16384 characters');
  });

  it("refuses other control characters", () => {
    expect(ssh(`${ED25519} a\u0001b`)).toBe('public key "k" contains a control character');
  });

  it("refuses an unsupported type, listing the supported ones", () => {
    expect(ssh(`ssh-dss ${sshBlob("ssh-dss")}`)).toBe(
      'public key "k" must start with a supported key type (ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, sk-ecdsa-sha2-nistp256@openssh.com, sk-ssh-ed25519@openssh.com)',
    );
  });

  it("refuses a missing, empty or non-base64 body", () => {
    expect(ssh("ssh-ed25519")).toBe('public key "k" has no valid base64 key body');
    expect(ssh("ssh-ed25519 !!!!")).toBe('public key "k" has no valid base64 key body');
    expect(ssh("ssh-ed25519 AAAA=")).toBe('public key "k" has no valid base64 key body');
  });

  it("refuses a blob whose type disagrees with the prefix", () => {
    expect(ssh(`ssh-rsa ${sshBlob("ssh-ed25519")}`)).toBe('public key "k" does not contain a ssh-rsa key');
  });

  it("refuses a blob too short for its length field", () => {
    expect(ssh(`ssh-ed25519 ${Buffer.from([0, 0, 0]).toString("base64")}`)).toBe('public key "k" does not contain a ssh-ed25519 key');
  });

  it("refuses a blob whose name length runs past its end", () => {
    const name = Buffer.from("ssh-ed25519", "latin1");
    const header = Buffer.alloc(4);
    header.writeUInt32BE(name.length + 1);
    const blob = Buffer.concat([header, name]).toString("base64");
    expect(ssh(`ssh-ed25519 ${blob}`)).toBe('public key "k" does not contain a ssh-ed25519 key');
  });

  it("accepts a blob that is exactly the name (the length field reaches the end)", () => {
    const name = Buffer.from("ssh-ed25519", "latin1");
    const header = Buffer.alloc(4);
    header.writeUInt32BE(name.length);
    const line = `ssh-ed25519 ${Buffer.concat([header, name]).toString("base64")}`;
    expect(validatePublicKeys([{ name: "k", type: "ssh", data: line }]).publicKeys).toEqual({ k: line });
  });

  it("refuses a blob holding only a prefix of the type name", () => {
    const name = Buffer.from("ssh-ed2551", "latin1");
    const header = Buffer.alloc(4);
    header.writeUInt32BE(name.length);
    expect(ssh(`ssh-ed25519 ${Buffer.concat([header, name, Buffer.alloc(8, 1)]).toString("base64")}`)).toBe(
      'public key "k" does not contain a ssh-ed25519 key',
    );
  });
});

describe("validatePublicKeys: the list", () => {
  it("refuses a non-list", () => {
    expect(refusal(() => validatePublicKeys({}))).toBe("public keys must be a list");
  });

  it("accepts exactly the limit and refuses one more, naming both counts", () => {
    const keys = Array.from({ length: CONFIG_DRIVE_LIMITS.publicKeys }, (_, i) => ({ name: `k${i}`, type: "ssh", data: ED25519 }));
    expect(validatePublicKeys(keys).keys).toHaveLength(CONFIG_DRIVE_LIMITS.publicKeys);
    const over = [...keys, { name: "x", type: "ssh", data: ED25519 }];
    expect(refusal(() => validatePublicKeys(over))).toBe(`101 public keys given; the limit is ${CONFIG_DRIVE_LIMITS.publicKeys}`);
  });

  it("refuses a non-object item", () => {
    expect(refusal(() => validatePublicKeys(["k"]))).toBe("a public key must be an object");
  });

  it("checks the name: non-empty, no control characters, at most 255 characters", () => {
    expect(refusal(() => validatePublicKeys([{ name: "", type: "ssh", data: ED25519 }]))).toBe("a public key name must not be empty");
    expect(refusal(() => validatePublicKeys([{ name: "a\tb", type: "ssh", data: ED25519 }]))).toBe("a public key name contains a control character");
    expect(refusal(() => validatePublicKeys([{ name: "n".repeat(256), type: "ssh", data: ED25519 }]))).toBe(
      "a public key name is longer than 255 characters",
    );
    expect(validatePublicKeys([{ name: "n".repeat(255), type: "ssh", data: ED25519 }]).keys).toHaveLength(1);
  });

  it("refuses a name used twice, naming it", () => {
    const twice = [
      { name: "k", type: "ssh", data: ED25519 },
      { name: "k", type: "x509", data: CERTIFICATE },
    ];
    expect(refusal(() => validatePublicKeys(twice))).toBe('public key name "k" is used twice');
  });

  it("checks the data: a non-empty string", () => {
    expect(refusal(() => validatePublicKeys([{ name: "k", type: "ssh", data: "" }]))).toBe('public key "k" must not be empty');
    expect(refusal(() => validatePublicKeys([{ name: "k", type: "ssh", data: 5 }]))).toBe('public key "k" must be a string');
    const long = `${ED25519} ${"c".repeat(CONFIG_DRIVE_LIMITS.publicKeyChars)}`;
    expect(refusal(() => validatePublicKeys([{ name: "k", type: "ssh", data: long }]))).toBe('public key "k" is longer than 16384 characters');
  });

  it("refuses an unknown type", () => {
    expect(refusal(() => validatePublicKeys([{ name: "k", type: "pgp", data: ED25519 }]))).toBe('public key "k" has an unknown type');
    expect(refusal(() => validatePublicKeys([{ name: "k", data: ED25519 }]))).toBe('public key "k" has an unknown type');
  });

  it("lists x509 keys only in keys, ssh keys in both, in the given order", () => {
    const out = validatePublicKeys([
      { name: "cert", type: "x509", data: `${CERTIFICATE}\n` },
      { name: "ssh", type: "ssh", data: ED25519 },
    ]);
    expect(out).toEqual({
      publicKeys: { ssh: ED25519 },
      keys: [
        { name: "cert", type: "x509", data: CERTIFICATE },
        { name: "ssh", type: "ssh", data: ED25519 },
      ],
    });
  });
});

describe("validateX509Certificate", () => {
  it("returns the trimmed PEM", () => {
    expect(validateX509Certificate(`\n${CERTIFICATE}\n\n`, "c")).toBe(CERTIFICATE);
  });

  it("accepts CRLF line ends", () => {
    const crlf = CERTIFICATE.replaceAll("\n", "\r\n");
    expect(validateX509Certificate(crlf, "c")).toBe(crlf);
  });

  it("refuses an empty or too long text", () => {
    expect(refusal(() => validateX509Certificate("  ", "c"))).toBe("c must not be empty");
    expect(refusal(() => validateX509Certificate("x".repeat(CONFIG_DRIVE_LIMITS.publicKeyChars + 1), "c"))).toBe(
      "c is longer than 16384 characters",
    );
  });

  it("refuses text around or between PEM blocks", () => {
    expect(refusal(() => validateX509Certificate(`x${CERTIFICATE}`, "c"))).toBe("c must be one PEM certificate");
    expect(refusal(() => validateX509Certificate(`${CERTIFICATE}x`, "c"))).toBe("c must be one PEM certificate");
    expect(refusal(() => validateX509Certificate(`${CERTIFICATE}\n${CERTIFICATE}`, "c"))).toBe("c must be one PEM certificate");
    expect(refusal(() => validateX509Certificate("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----", "c"))).toBe(
      "c must be one PEM certificate",
    );
    expect(refusal(() => validateX509Certificate(CERTIFICATE.replace("BEGIN CERTIFICATE-----\n", "BEGIN CERTIFICATE-----"), "c"))).toBe(
      "c must be one PEM certificate",
    );
  });

  it("refuses a PEM that does not parse, keeping the cause", () => {
    const corrupt = CERTIFICATE.replace("MIIB", "AAAA");
    let caught: unknown;
    try {
      validateX509Certificate(corrupt, "c");
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as Error).message).toBe("c is not a parsable X.509 certificate");
    expect((caught as Error).cause).toBeInstanceOf(Error);
  });
});

describe("validateInjectedFilePath", () => {
  it.each([
    { path: "etc/x", message: 'injected file path "etc/x" must be absolute' },
    { path: "/etc\\x", message: 'injected file path "/etc\\\\x" must not contain a backslash' },
    { path: "/etc/../x", message: 'injected file path "/etc/../x" must not contain \'..\'' },
    { path: "/..", message: 'injected file path "/.." must not contain \'..\'' },
    { path: "/", message: 'injected file path "/" must name a file' },
    { path: "//", message: 'injected file path "//" must name a file' },
    { path: "/etc/", message: 'injected file path "/etc/" must name a file' },
    { path: "", message: "an injected file path must not be empty" },
    { path: "/a\tb", message: "an injected file path contains a control character" },
    { path: `/${"p".repeat(255)}`, message: "an injected file path is longer than 255 characters" },
  ])("refuses $path", ({ path, message }) => {
    expect(refusal(() => validateInjectedFilePath(path))).toBe(message);
  });

  it.each([
    { path: "/etc/x", expected: "/etc/x" },
    { path: "//etc/./x", expected: "/etc/x" },
    { path: "/..x/y..", expected: "/..x/y.." },
    { path: `/${"p".repeat(254)}`, expected: `/${"p".repeat(254)}` },
  ])("accepts $path as $expected", ({ path, expected }) => {
    expect(validateInjectedFilePath(path)).toBe(expected);
  });
});

describe("validateInjectedFiles", () => {
  it("has a refusal text that says why files are refused (buildConfigDrive throws it)", () => {
    expect(INJECTED_FILES_UNSUPPORTED).toBe("injected files are not supported with Ironic's dict config drive");
  });

  const maxEncoded = Math.ceil(CONFIG_DRIVE_LIMITS.fileBytes / 3) * 4;

  it("refuses a non-list and a non-object item", () => {
    expect(refusal(() => validateInjectedFiles("x"))).toBe("injected files must be a list");
    expect(refusal(() => validateInjectedFiles([1]))).toBe("an injected file must be an object");
  });

  it("accepts exactly the limit and refuses one more, naming both counts", () => {
    const files = Array.from({ length: CONFIG_DRIVE_LIMITS.files }, (_, i) => ({ path: `/f${i}`, contents: "" }));
    expect(validateInjectedFiles(files)).toEqual(files);
    const over = [...files, { path: "/g", contents: "" }];
    expect(refusal(() => validateInjectedFiles(over))).toBe(`6 injected files given; the limit is ${CONFIG_DRIVE_LIMITS.files}`);
  });

  it("returns normalized paths and refuses the same normalized path twice", () => {
    expect(validateInjectedFiles([{ path: "//a/./b", contents: "eA==" }])).toEqual([{ path: "/a/b", contents: "eA==" }]);
    expect(refusal(() => validateInjectedFiles([{ path: "/a/b", contents: "" }, { path: "//a/./b", contents: "" }]))).toBe(
      'injected file path "/a/b" is given twice',
    );
  });

  it.each([
    { scenario: "not a string", contents: 5 },
    { scenario: "an empty list (its text form is empty base64)", contents: [] },
    { scenario: "not base64", contents: "!!!!" },
    { scenario: "longer than the encoded limit", contents: "A".repeat(maxEncoded + 4) },
  ])("refuses contents that are $scenario", ({ contents }) => {
    expect(refusal(() => validateInjectedFiles([{ path: "/f", contents }]))).toBe('injected file "/f" must be base64 of at most 10240 bytes');
  });

  it("accepts exactly the byte limit and refuses one byte more", () => {
    const at = Buffer.alloc(CONFIG_DRIVE_LIMITS.fileBytes, 1).toString("base64");
    expect(validateInjectedFiles([{ path: "/f", contents: at }])).toEqual([{ path: "/f", contents: at }]);
    const over = Buffer.alloc(CONFIG_DRIVE_LIMITS.fileBytes + 1, 1).toString("base64");
    expect(over.length).toBe(maxEncoded);
    expect(refusal(() => validateInjectedFiles([{ path: "/f", contents: over }]))).toBe('injected file "/f" is larger than 10240 bytes');
  });
});

describe("validateVendorData", () => {
  const LIMIT = CONFIG_DRIVE_LIMITS.vendorDataBytes;

  it("refuses a non-object with its message", () => {
    expect(refusal(() => validateVendorData([]))).toBe("vendor_data must be an object");
    expect(refusal(() => validateVendorData(null))).toBe("vendor_data must be an object");
  });

  it("deep-copies JSON values", () => {
    const input = { a: null, b: true, c: false, d: 1.5, e: "s", f: [1, [2], { g: "h" }], i: { j: {} } };
    const out = validateVendorData(input);
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
    expect(out["f"]).not.toBe(input.f);
    expect(out["i"]).not.toBe(input.i);
  });

  it.each([
    { scenario: "NaN", value: Number.NaN },
    { scenario: "Infinity", value: Number.POSITIVE_INFINITY },
  ])("refuses $scenario", ({ value }) => {
    expect(refusal(() => validateVendorData({ n: value }))).toBe("vendor_data holds a non-finite number");
  });

  it.each([
    { scenario: "undefined", value: undefined },
    { scenario: "a function", value: () => 1 },
    { scenario: "a date", value: new Date(0) },
    { scenario: "a bigint", value: 1n },
  ])("refuses $scenario", ({ value }) => {
    expect(refusal(() => validateVendorData({ v: value }))).toBe(
      "vendor_data must hold only JSON values (null, booleans, numbers, strings, lists, objects)",
    );
  });

  it("refuses a NUL in a string or a key", () => {
    expect(refusal(() => validateVendorData({ v: "a\u0000" }))).toBe("a vendor_data string contains a NUL character");
    expect(refusal(() => validateVendorData({ ["a\u0000"]: 1 }))).toBe("a vendor_data key contains a NUL character");
  });

  function nested(levels: number): Record<string, unknown> {
    let value: Record<string, unknown> = {};
    for (let i = 1; i < levels; i++) value = { n: value };
    return value;
  }

  function nestedList(levels: number): Record<string, unknown> {
    let value: unknown = [];
    for (let i = 2; i < levels; i++) value = [value];
    return { n: value };
  }

  it("accepts objects and lists nested exactly the depth limit and refuses one level more", () => {
    expect(validateVendorData(nested(VENDOR_DATA_DEPTH))).toEqual(nested(VENDOR_DATA_DEPTH));
    expect(refusal(() => validateVendorData(nested(VENDOR_DATA_DEPTH + 1)))).toBe("vendor_data is nested deeper than 32 levels");
    expect(validateVendorData(nestedList(VENDOR_DATA_DEPTH))).toEqual(nestedList(VENDOR_DATA_DEPTH));
    expect(refusal(() => validateVendorData(nestedList(VENDOR_DATA_DEPTH + 1)))).toBe("vendor_data is nested deeper than 32 levels");
  });

  it("lets scalars sit at the deepest level", () => {
    const deep = nested(VENDOR_DATA_DEPTH);
    let inner = deep;
    while (Object.keys(inner).length > 0) inner = inner["n"] as Record<string, unknown>;
    inner["s"] = "x";
    inner["b"] = true;
    inner["z"] = null;
    inner["n1"] = 1;
    expect(validateVendorData(deep)).toEqual(deep);
  });

  it("refuses a string that alone exceeds the byte budget, as too large", () => {
    expect(refusal(() => validateVendorData({ v: "x".repeat(LIMIT) }))).toBe(`vendor_data is larger than ${LIMIT} bytes`);
  });

  it("refuses a key that alone exceeds the byte budget, as too large", () => {
    expect(refusal(() => validateVendorData({ ["k".repeat(LIMIT)]: 1 }))).toBe(`vendor_data is larger than ${LIMIT} bytes`);
  });

  it("stops at the budget before checking a string or key longer than the limit", () => {
    expect(refusal(() => validateVendorData({ v: "x".repeat(LIMIT + 1) }))).toBe(`vendor_data is larger than ${LIMIT} bytes`);
    expect(refusal(() => validateVendorData({ ["k".repeat(LIMIT + 1)]: 1 }))).toBe(`vendor_data is larger than ${LIMIT} bytes`);
  });

  it("lets a string use up the budget exactly (then its own checks still run)", () => {
    // object 1 + key 1 + string value 1 + its length = LIMIT
    expect(refusal(() => validateVendorData({ v: `\u0000${"x".repeat(LIMIT - 4)}` }))).toBe("a vendor_data string contains a NUL character");
  });

  it("refuses many small values whose count exceeds the budget", () => {
    expect(refusal(() => validateVendorData({ v: Array.from({ length: LIMIT }, () => 0) }))).toBe(`vendor_data is larger than ${LIMIT} bytes`);
  });

  it("accepts serialized JSON of exactly the limit and refuses one byte more", () => {
    // {"v":"…"} is 8 bytes around the string.
    const at = { v: "x".repeat(LIMIT - 8) };
    expect(Buffer.byteLength(JSON.stringify(at))).toBe(LIMIT);
    expect(validateVendorData(at)).toEqual(at);
    const over = { v: "x".repeat(LIMIT - 7) };
    expect(refusal(() => validateVendorData(over))).toBe(`vendor_data is larger than ${LIMIT} bytes`);
  });

  it("counts UTF-8 bytes, not characters, in the final size", () => {
    const value = { v: "é".repeat(Math.floor(LIMIT / 2)) };
    expect(refusal(() => validateVendorData(value))).toBe(`vendor_data is larger than ${LIMIT} bytes`);
  });
});
