// Strict parsing of Ironic's serial console address (S4). Pure function.
import { describe, expect, it } from "vitest";
import { parseSerialConsole } from "../../src/driver/console-url.js";
import { ConsoleUnavailableError } from "../../src/driver/errors.js";

const ids = { node: "1be26c0b-03f2-4d2e-ae87-c02d7f33c123", instance: "6b9c0d5e-0000-4000-8000-000000000001" };
const socat = (url: string) => ({ type: "socat", url });

function refusal(run: () => unknown): ConsoleUnavailableError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConsoleUnavailableError) return error;
    throw error;
  }
  throw new Error("expected a ConsoleUnavailableError, got a result");
}

describe("parseSerialConsole accepts tcp://HOST:PORT", () => {
  it.each<[string, string, string, number]>([
    ["IPv4", "tcp://127.0.0.1:10000", "127.0.0.1", 10000],
    ["IPv6 in brackets, returned without", "tcp://[::1]:10000", "::1", 10000],
    ["full IPv6, lower-cased", "tcp://[FD00:0:0:0:0:0:0:1]:2000", "fd00:0:0:0:0:0:0:1", 2000],
    ["IPv4-mapped IPv6", "tcp://[::ffff:10.0.0.1]:2000", "::ffff:10.0.0.1", 2000],
    ["DNS name", "tcp://console.example.org:2000", "console.example.org", 2000],
    ["single-label name", "tcp://conductor1:2000", "conductor1", 2000],
    ["DNS name, lower-cased", "tcp://Console.Example.ORG:2000", "console.example.org", 2000],
    ["scheme in upper case", "TCP://127.0.0.1:2000", "127.0.0.1", 2000],
    ["lowest port", "tcp://127.0.0.1:1", "127.0.0.1", 1],
    ["highest port", "tcp://127.0.0.1:65535", "127.0.0.1", 65535],
    ["63-character label", `tcp://${"a".repeat(63)}.example:1`, `${"a".repeat(63)}.example`, 1],
    ["one-character labels", "tcp://a.b:1", "a.b", 1],
    ["last label starting with a digit", "tcp://host.1a:1", "host.1a", 1],
    ["name of exactly 253 characters", `tcp://${["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join(".")}:1`, ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join("."), 1],
  ])("%s: %s", (_name, url, host, port) => {
    expect(parseSerialConsole(socat(url), ids)).toEqual({ host, port });
  });
});

describe("parseSerialConsole refuses everything else", () => {
  it.each<[string, { type?: string; url?: string } | null, RegExp]>([
    ["no console info (disabled)", null, /no console information/],
    ["shellinabox console", { type: "shellinabox", url: "http://127.0.0.1:8000" }, /"shellinabox" is not supported/],
    ["vnc console", { type: "vnc", url: "tcp://127.0.0.1:5900" }, /"vnc" is not supported/],
    ["missing type", { url: "tcp://127.0.0.1:1" }, /\(none\) is not supported/],
    ["missing URL", { type: "socat" }, /no URL/],
    ["ssl scheme", socat("ssl://127.0.0.1:10000"), /scheme must be tcp/],
    ["http with a bad port", socat("http://abcxyz:1a1b"), /scheme must be tcp/],
    ["tcp with a non-numeric port", socat("tcp://abcxyz:1a1b"), /port/],
    ["not a URL at all", socat("an invalid url"), /whitespace/],
    ["no scheme", socat("127.0.0.1:10000"), /expected tcp:\/\/HOST:PORT/],
    ["port 0", socat("tcp://127.0.0.1:0"), /port/],
    ["port 65536", socat("tcp://127.0.0.1:65536"), /port/],
    ["negative port", socat("tcp://127.0.0.1:-1"), /port/],
    ["plus sign on the port", socat("tcp://127.0.0.1:+1"), /port/],
    ["leading zero on the port", socat("tcp://127.0.0.1:010"), /port/],
    ["six-digit port", socat("tcp://127.0.0.1:100000"), /port/],
    ["no port", socat("tcp://127.0.0.1"), /port is required/],
    ["empty port", socat("tcp://127.0.0.1:"), /port/],
    ["IPv6 without a port", socat("tcp://[::1]"), /port is required/],
    ["userinfo", socat("tcp://user@127.0.0.1:1"), /user information/],
    ["userinfo with password", socat("tcp://user:pw@127.0.0.1:1"), /user information/],
    ["path", socat("tcp://127.0.0.1:1/path"), /path/],
    ["trailing slash (Ironic never sends one)", socat("tcp://127.0.0.1:1/"), /path/],
    ["query", socat("tcp://127.0.0.1:1?q"), /query/],
    ["fragment", socat("tcp://127.0.0.1:1#f"), /fragment/],
    ["invalid host characters", socat("tcp://bad_host!:1"), /host must be/],
    ["empty host", socat("tcp://:1"), /host must be/],
    ["label starting with a hyphen", socat("tcp://-bad.example:1"), /host must be/],
    ["empty label", socat("tcp://a..b:1"), /host must be/],
    ["trailing dot", socat("tcp://console.example.org.:1"), /host must be/],
    ["64-character label", socat(`tcp://${"a".repeat(64)}.example:1`), /host must be/],
    ["name over 253 characters", socat(`tcp://${Array.from({ length: 4 }, () => "a".repeat(63)).join(".")}:1`), /host must be/],
    ["absurdly long URL", socat(`tcp://${"a".repeat(400)}:1`), /too long/],
    ["out-of-range IPv4", socat("tcp://256.1.1.1:1"), /host must be/],
    ["short dotted number", socat("tcp://1.2.3:1"), /host must be/],
    ["IPv4 with leading zeros", socat("tcp://010.0.0.1:1"), /host must be/],
    ["unbracketed IPv6", socat("tcp://::1:10000"), /host must be/],
    ["bracketed non-IPv6", socat("tcp://[127.0.0.1]:1"), /host must be/],
    ["IPv6 zone id", socat("tcp://[fe80::1%25eth0]:1"), /host must be/],
    ["text after the IPv6 brackets", socat("tcp://[::1]x:1"), /port is required/],
    ["unclosed IPv6 bracket", socat("tcp://[::1:5"), /host must be/],
    ["empty scheme", socat("://127.0.0.1:1"), /scheme must be tcp/],
    ["URL of exactly the maximum length is parsed, not refused as too long", socat(`tcp://${"a".repeat(259)}:1`), /host must be/],
    ["closing bracket without an opening one", socat("tcp://x::1]:1"), /host must be/],
    ["closing bracket inside a name", socat("tcp://a]x:1"), /host must be/],
    ["all-numeric last label of several digits", socat("tcp://a.12:1"), /host must be/],
    ["space inside", socat("tcp://127.0.0.1: 1"), /whitespace/],
    ["newline (log injection)", socat("tcp://127.0.0.1:1\nforged line"), /whitespace/],
    ["NUL byte", socat("tcp://127.0.0.1:1\u0000"), /control/],
    ["non-ASCII host", socat("tcp://cönsole.example:1"), /non-ASCII/],
    ["empty URL", socat(""), /whitespace/],
  ])("%s", (_name, info, message) => {
    const error = refusal(() => parseSerialConsole(info, ids));
    expect(error.message).toMatch(message);
    expect(error.kind).toBe("console-unavailable");
    expect(error.node).toBe(ids.node);
    expect(error.instance).toBe(ids.instance);
  });

  it("does not echo more than ~100 characters of a bad URL", () => {
    const url = `ssl://${"x".repeat(5000)}:1`;
    const error = refusal(() => parseSerialConsole(socat(url), ids));
    expect(error.message.length).toBeLessThan(200);
    expect(error.message).toContain("…");
  });

  it("echoes a bad URL of exactly 100 characters whole", () => {
    const url = `ssl://${"x".repeat(94)}`;
    expect(url).toHaveLength(100);
    const error = refusal(() => parseSerialConsole(socat(url), ids));
    expect(error.message).toContain(JSON.stringify(url));
    expect(error.message).not.toContain("…");
  });

  it("escapes control characters it echoes", () => {
    const error = refusal(() => parseSerialConsole(socat("tcp://h:1\r\nX-Injected: 1"), ids));
    expect(error.message).not.toMatch(/[\r\n]/);
  });
});
