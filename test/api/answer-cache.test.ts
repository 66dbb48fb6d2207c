// AnswerCache and acceptsGzip (src/api/answer-cache.ts) on their own: versions,
// the byte bound (least recently used out first), the age limit, the gzipped
// copy made off the event loop, and Accept-Encoding as RFC 9110 reads it.
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { acceptsGzip, AnswerCache, answerKey } from "../../src/api/answer-cache.js";

const bytes = (n: number, fill = "x") => Buffer.from(fill.repeat(n));

describe("AnswerCache", () => {
  it("finds an answer only at the version it was kept under; another version drops it", async () => {
    const cache = new AnswerCache(1_000);
    await cache.set("k", 7, bytes(10));
    expect(cache.get("k", 7)?.body.toString()).toBe("x".repeat(10));
    expect(cache.get("k", 8)).toBeUndefined();
    expect(cache.get("k", 7)).toBeUndefined(); // dropped by the miss above
    expect(cache.bytes).toBe(0);
  });

  it("keeps a gzipped copy once made, and counts both copies against the bound", async () => {
    const cache = new AnswerCache(10_000);
    const body = bytes(2_000, "ab");
    const setting = cache.set("k", 1, body);
    expect(cache.get("k", 1)?.gzip).toBeUndefined(); // made in the thread pool, not yet
    await setting;
    const kept = cache.get("k", 1);
    expect(kept?.gzip).toBeInstanceOf(Buffer);
    expect(gunzipSync(kept?.gzip ?? Buffer.alloc(0)).equals(body)).toBe(true);
    expect(cache.bytes).toBe(body.length + (kept?.gzip?.length ?? 0));
  });

  it("a gzipped copy finished after its entry was replaced is thrown away", async () => {
    const cache = new AnswerCache(100_000);
    const old = cache.set("k", 1, bytes(1_000, "o"));
    const fresh = cache.set("k", 2, bytes(1_000, "n"));
    await Promise.all([old, fresh]);
    const kept = cache.get("k", 2);
    expect(gunzipSync(kept?.gzip ?? Buffer.alloc(0)).toString()).toBe("n".repeat(1_000));
    expect(cache.bytes).toBe(1_000 + (kept?.gzip?.length ?? 0));
  });

  it("past its bound drops the least recently used first, and never keeps an answer bigger than the bound", async () => {
    // Two answers and their gzipped copies fit; a third does not.
    const cache = new AnswerCache(3_000);
    await cache.set("a", 1, bytes(1_400, "a"));
    await cache.set("b", 1, bytes(1_400, "b"));
    expect(cache.get("a", 1)).toBeDefined(); // a is now the most recently used
    await cache.set("c", 1, bytes(1_400, "c"));
    expect(cache.get("b", 1)).toBeUndefined();
    expect(cache.get("a", 1)).toBeDefined();
    expect(cache.get("c", 1)).toBeDefined();
    expect(cache.bytes).toBeLessThanOrEqual(3_000);
    await cache.set("huge", 1, bytes(3_001));
    expect(cache.get("huge", 1)).toBeUndefined();
    expect(cache.get("a", 1)).toBeDefined(); // nothing evicted for it
  });

  it("gives an answer up after a minute even if its version stands", async () => {
    let now = 1_000_000;
    const cache = new AnswerCache(1_000, () => now);
    await cache.set("k", 1, bytes(10));
    now += 60_000;
    expect(cache.get("k", 1)).toBeDefined();
    now += 1;
    expect(cache.get("k", 1)).toBeUndefined();
  });

  it("with no room is off: nothing is kept", async () => {
    const cache = new AnswerCache(0);
    expect(cache.enabled).toBe(false);
    await cache.set("k", 1, bytes(1));
    expect(cache.get("k", 1)).toBeUndefined();
  });

  it("keys keep their parts apart (no separator trick makes two keys one)", () => {
    const base = { path: "servers", query: "", base: "http://h", microversion: 1, projectId: "p", role: "member" };
    expect(answerKey({ ...base, path: "servers|x", query: "" })).not.toBe(answerKey({ ...base, path: "servers", query: "|x" }));
    expect(answerKey(base)).toBe(answerKey({ ...base }));
  });
});

describe("acceptsGzip", () => {
  it.each([
    [undefined, false],
    ["", false],
    ["identity", false],
    ["gzip", true],
    ["gzip, deflate", true],
    ["deflate, GZIP", true],
    ["x-gzip", true],
    ["br;q=1, gzip;q=0.5", true],
    ["gzip;q=0", false],
    ["gzip; q=0.000", false],
    ["*", true],
    ["*;q=0", false],
    ["gzip;q=0, *", false],
    ["deflate, *;q=0.1", true],
    ["gzip;q=abc", false],
  ])("%j → %s", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
