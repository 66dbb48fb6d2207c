// A tiny, strict parser of the Prometheus text exposition format 0.0.4, for the
// /metrics tests: it throws on anything the format does not allow (a sample
// before its TYPE, an unknown escape, a duplicate series, a family split in two,
// a histogram whose buckets are not cumulative or lack +Inf).

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help: string | undefined;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseValue(text: string, line: string): number {
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case
  // (prom-client writes an empty event-loop histogram's mean as "Nan").
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value '${text}' in: ${line}`);
  return Number(text);
}

function unescapeHelp(text: string, line: string): string {
  return text.replace(/\\(.?)/g, (_match, next: string) => {
    if (next === "\\") return "\\";
    if (next === "n") return "\n";
    throw new Error(`bad escape in HELP: ${line}`);
  });
}

/** `{a="x",b="y"}` from the start of `rest`; returns the labels and what follows. */
function parseLabels(rest: string, line: string): { labels: Record<string, string>; after: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  while (rest[i] !== "}") {
    const name = LABEL.exec(rest.slice(i))?.[0];
    if (name === undefined) throw new Error(`bad label name in: ${line}`);
    if (name in labels) throw new Error(`duplicate label ${name} in: ${line}`);
    i += name.length;
    if (rest.slice(i, i + 2) !== '="') throw new Error(`expected =" after ${name} in: ${line}`);
    i += 2;
    let value = "";
    for (;;) {
      const char = rest[i];
      if (char === undefined || char === "\n") throw new Error(`unterminated label value in: ${line}`);
      if (char === '"') break;
      if (char === "\\") {
        const next = rest[i + 1];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else throw new Error(`bad escape \\${next ?? ""} in: ${line}`);
        i += 2;
        continue;
      }
      value += char;
      i += 1;
    }
    labels[name] = value;
    i += 1;
    if (rest[i] === ",") i += 1;
    else if (rest[i] !== "}") throw new Error(`expected , or } in: ${line}`);
  }
  return { labels, after: rest.slice(i + 1) };
}

function familyOf(sampleName: string, families: Map<string, PromFamily>): PromFamily | undefined {
  const exact = families.get(sampleName);
  if (exact !== undefined) return exact;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family !== undefined && (family.type === "histogram" || (family.type === "summary" && suffix !== "_bucket"))) return family;
  }
  return undefined;
}

function checkHistogram(family: PromFamily): void {
  const series = new Map<string, PromSample[]>();
  for (const sample of family.samples) {
    if (!sample.name.endsWith("_bucket")) continue;
    const { le, ...rest } = sample.labels;
    if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
    const key = JSON.stringify(Object.entries(rest).sort());
    series.set(key, [...(series.get(key) ?? []), sample]);
  }
  for (const [key, buckets] of series) {
    let previous = -1;
    let bound = Number.NEGATIVE_INFINITY;
    for (const bucket of buckets) {
      const le = parseValue(bucket.labels["le"] ?? "", family.name);
      if (le <= bound) throw new Error(`${family.name}${key}: buckets out of order`);
      if (bucket.value < previous) throw new Error(`${family.name}${key}: buckets not cumulative`);
      bound = le;
      previous = bucket.value;
    }
    if (bound !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}${key}: no +Inf bucket`);
    const labels = Object.fromEntries(JSON.parse(key) as Array<[string, string]>);
    const count = family.samples.find((sample) => sample.name === `${family.name}_count` && JSON.stringify(Object.entries(sample.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
    if (count?.value !== previous) throw new Error(`${family.name}${key}: +Inf bucket ${previous} != _count ${String(count?.value)}`);
  }
}

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  if (text !== "" && !text.endsWith("\n")) throw new Error("the exposition must end with a line feed");
  const families = new Map<string, PromFamily>();
  let current: PromFamily | undefined;
  for (const line of text.split("\n").slice(0, -1)) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) ([^ ]+) ?(.*)$/.exec(line);
      if (match === null) continue; // a plain comment
      const [, kind, name = "", rest = ""] = match;
      if (!NAME.test(name) || NAME.exec(name)?.[0] !== name) throw new Error(`bad metric name in: ${line}`);
      let family = families.get(name);
      if (family === undefined) {
        family = { name, type: "untyped", help: undefined, samples: [] };
        families.set(name, family);
      } else if (family.samples.length > 0) {
        throw new Error(`${kind ?? ""} for ${name} after its samples`);
      }
      if (kind === "HELP") {
        if (family.help !== undefined) throw new Error(`second HELP for ${name}`);
        family.help = unescapeHelp(rest, line);
      } else {
        if (!TYPES.has(rest)) throw new Error(`bad TYPE in: ${line}`);
        if (family.type !== "untyped") throw new Error(`second TYPE for ${name}`);
        family.type = rest;
      }
      current = family;
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (name === undefined) throw new Error(`bad sample line: ${line}`);
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) ({ labels, after: rest } = parseLabels(rest, line));
    const fields = rest.split(" ");
    if (fields[0] !== "" || fields.length < 2 || fields.length > 3) throw new Error(`bad sample line: ${line}`);
    const value = parseValue(fields[1] ?? "", line);
    const family = familyOf(name, families);
    if (family === undefined) throw new Error(`sample ${name} has no TYPE before it`);
    if (current !== family) throw new Error(`the samples of ${family.name} are not together`);
    if (family.samples.some((sample) => sample.name === name && JSON.stringify(sample.labels) === JSON.stringify(labels))) {
      throw new Error(`duplicate series: ${line}`);
    }
    family.samples.push({ name, labels, value });
  }
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family);
  return families;
}

/** The value of the one sample `name` whose labels include `labels`; undefined when none. */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) return sample.value;
    }
  }
  return undefined;
}

/** Every sample named `name` (any labels). */
export function samplesOf(families: Map<string, PromFamily>, name: string): PromSample[] {
  return [...families.values()].flatMap((family) => family.samples.filter((sample) => sample.name === name));
}
