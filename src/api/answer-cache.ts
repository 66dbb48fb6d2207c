// Whole answers of the server lists (GET /servers, /servers/detail), kept as the
// bytes sent, for as long as nothing they show changed. A list of 1,000 servers
// costs tens of milliseconds of CPU to read, build and serialize (bench/api.ts);
// a kept answer costs one indexed read of the store's view version
// (store/schema-view-version.ts), which the database moves on every write to
// what a list shows, whichever process wrote it.
//
// Correctness rests on the order of reads: the caller reads the version BEFORE
// it reads the rows and keeps the answer under that version. Rows read later are
// at least that new, so an answer is never kept under a version newer than what
// it shows (it may be kept under an older one, which only costs a miss).
//
// The key is everything else an answer depends on: the path and raw query, the
// link base, the microversion, the caller's project and role. Answers that
// depend on something the version does not follow (a deploy's queue position,
// read from the tasks) are not kept: the route decides (cacheable).
//
// Bounded: least recently used first out past `maxBytes` (the plain and the
// gzipped bytes count); an entry also expires after MAX_AGE_MS, a safety net
// should a version ever go back (a restore).

import { promisify } from "node:util";
import { gzip } from "node:zlib";

/** api.listCacheMiB's default: about a dozen answers of 1,000 servers. */
export const DEFAULT_LIST_CACHE_MIB = 16;

const gzipAsync = promisify(gzip);
/** zlib's speed end: a list of servers compresses well even so, and is made once per version. */
const GZIP_LEVEL = 1;

/** The longest an answer is kept even if its version has not moved. */
const MAX_AGE_MS = 60_000;

interface Entry {
  version: number;
  body: Buffer;
  /** The body gzipped, once the thread pool has made it (compressing is not done on the event loop). */
  gzip: Buffer | undefined;
  keptAt: number;
}

/** A kept answer: its bytes, and gzipped when that is ready. */
export interface KeptAnswer {
  body: Buffer;
  gzip: Buffer | undefined;
}

export interface AnswerKey {
  path: string;
  query: string;
  base: string;
  microversion: number;
  projectId: string;
  role: string;
}

export function answerKey(key: AnswerKey): string {
  // JSON: no separator inside a part can make two keys collide.
  return JSON.stringify([key.path, key.query, key.base, key.microversion, key.projectId, key.role]);
}

export class AnswerCache {
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Off when given no room: get finds nothing, set keeps nothing. */
  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** The answer kept under `key` at exactly `version`, and not too old. */
  get(key: string, version: number): KeptAnswer | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.version !== version || this.now() - entry.keptAt > MAX_AGE_MS) {
      this.#drop(key, entry);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  /**
   * Keeps `body` under `key` and `version` (read before the answer's rows), and
   * gzips it in the thread pool: most clients accept gzip (python-requests under
   * the openstack CLI and openstacksdk, Go's net/http under gophercloud), and an
   * answer of 1,000 servers shrinks about tenfold, which is most of what sending
   * it costs. Settles when the gzipped copy is kept (or given up).
   */
  async set(key: string, version: number, body: Buffer): Promise<void> {
    if (body.length > this.maxBytes) return; // never evict everything for one answer
    const old = this.#entries.get(key);
    if (old !== undefined) this.#drop(key, old);
    const entry: Entry = { version, body, gzip: undefined, keptAt: this.now() };
    this.#entries.set(key, entry);
    this.#grow(entry.body.length);
    const gzipped = await gzipAsync(body, { level: GZIP_LEVEL });
    // Still the same entry (not replaced, not dropped meanwhile)?
    if (this.#entries.get(key) !== entry) return;
    entry.gzip = gzipped;
    this.#grow(gzipped.length);
  }

  #grow(by: number): void {
    this.#bytes += by;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#drop(oldest, entry);
    }
  }

  /** Bytes held (metrics, tests). */
  get bytes(): number {
    return this.#bytes;
  }

  #drop(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.body.length + (entry.gzip?.length ?? 0);
  }
}

/**
 * The client takes a gzipped answer (RFC 9110 §12.5.3): "gzip" (or "x-gzip")
 * with a q-value above 0, or, when neither is named, "*" with one.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let named: boolean | undefined;
  let any = false;
  for (const part of header.split(",")) {
    const [coding = "", ...params] = part.split(";").map((piece) => piece.trim().toLowerCase());
    const q = params.find((param) => param.startsWith("q="));
    const wanted = q === undefined || Number(q.slice(2)) > 0;
    if (coding === "gzip" || coding === "x-gzip") named = (named ?? false) || wanted;
    else if (coding === "*") any = wanted;
  }
  return named ?? any;
}
