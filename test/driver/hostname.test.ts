import { describe, it, expect } from "vitest";
import { MAX_LABEL_LENGTH, sanitizeHostname } from "../../src/driver/config-drive/hostname.js";

const FALLBACK = "server-1a2b3c4d";
const RFC1123_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

describe("sanitizeHostname", () => {
  const cases: Array<{ scenario: string; requested: string; expected: string }> = [
    { scenario: "mixed case, space and underscore", requested: "My Server_01", expected: "my-server-01" },
    { scenario: "leading/trailing dashes and a double dot", requested: "--a..b--", expected: "a-b" },
    { scenario: "dots make one label, not a dotted name", requested: "web.example.com", expected: "web-example-com" },
    { scenario: "too long: truncated to 63", requested: "x".repeat(100), expected: "x".repeat(63) },
    { scenario: "truncation does not leave a trailing dash", requested: `${"a".repeat(62)}-bcd`, expected: "a".repeat(62) },
    { scenario: "non-Latin only: fallback", requested: "日本語", expected: FALLBACK },
    { scenario: "empty: fallback", requested: "", expected: FALLBACK },
    { scenario: "only separators: fallback", requested: " ._-- ", expected: FALLBACK },
    { scenario: "NUL becomes a separator", requested: "a\u0000b", expected: "a-b" },
    { scenario: "control characters and newlines", requested: "a\r\nb\tc", expected: "a-b-c" },
    { scenario: "diacritics folded", requested: "Café Ñandú", expected: "cafe-nandu" },
    { scenario: "punctuation runs collapse", requested: "db#1 (primary)!", expected: "db-1-primary" },
    { scenario: "digits first is fine in RFC 1123", requested: "1st", expected: "1st" },
    { scenario: "shell and JSON metacharacters", requested: '"; rm -rf / #', expected: "rm-rf" },
  ];

  it.each(cases)("$scenario", ({ requested, expected }) => {
    const result = sanitizeHostname(requested, FALLBACK);
    expect(result).toBe(expected);
    expect(result).toMatch(RFC1123_LABEL);
    expect(result.length).toBeLessThanOrEqual(MAX_LABEL_LENGTH);
  });

  it("sanitizes the fallback too", () => {
    expect(sanitizeHostname("", "Server_1A2B")).toBe("server-1a2b");
  });

  it("uses 'server' when neither input nor fallback is usable", () => {
    expect(sanitizeHostname("日本語", "---")).toBe("server");
  });

  it("never throws, even for values that are not strings at runtime", () => {
    const notAString = null as unknown as string;
    expect(sanitizeHostname(notAString, FALLBACK)).toBe(FALLBACK);
    expect(sanitizeHostname(notAString, notAString)).toBe("server");
  });

  it("always yields a valid label for awkward inputs", () => {
    const inputs = ["-", ".", "a-", "-a", "ǅ", "\u{1F600}host", "ﬁle", "İstanbul", "\ud800x", "a".repeat(10_000), "_".repeat(70) + "z"];
    for (const input of inputs) expect(sanitizeHostname(input, FALLBACK)).toMatch(RFC1123_LABEL);
  });
});
