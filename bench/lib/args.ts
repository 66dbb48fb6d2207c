// Command-line options shared by the benches: integers (`--runs N`,
// `--nodes N` …) and choices (`--side service`), each with a default.

import { parseArgs } from "node:util";

type Spec = Record<string, number | readonly string[]>;
type Parsed<S extends Spec> = { [K in keyof S]: S[K] extends number ? number : S[K] extends readonly (infer C)[] ? C : never };

/** Integers default to the number given; a list of choices defaults to its first entry. */
export function benchOptions<S extends Spec>(spec: S): Parsed<S> {
  return benchCommandLine(spec, false).options;
}

/** benchOptions, and the arguments that are not options (file names): for a tool that takes them. */
export function benchOptionsAndFiles<S extends Spec>(spec: S): { options: Parsed<S>; files: string[] } {
  return benchCommandLine(spec, true);
}

function benchCommandLine<S extends Spec>(spec: S, allowPositionals: boolean): { options: Parsed<S>; files: string[] } {
  const options: Record<string, { type: "string" }> = {};
  for (const key of Object.keys(spec)) options[key] = { type: "string" };
  const { values, positionals } = parseArgs({ options, allowPositionals, strict: true });
  const out: Record<string, number | string> = {};
  for (const [key, definition] of Object.entries(spec)) {
    const raw = values[key];
    if (typeof definition === "number") {
      const parsed = typeof raw === "string" ? Number(raw) : definition;
      if (!Number.isSafeInteger(parsed) || parsed < 0) throw new Error(`--${key} must be a non-negative integer, got ${String(raw)}`);
      out[key] = parsed;
    } else {
      const choice = typeof raw === "string" ? raw : definition[0];
      if (choice === undefined || !definition.includes(choice)) throw new Error(`--${key} must be one of ${definition.join(", ")}`);
      out[key] = choice;
    }
  }
  return { options: out as Parsed<S>, files: positionals };
}
