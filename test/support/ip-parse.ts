// Test-side shorthands over src/store/ip.ts's parsers: a text that must parse,
// or the test fails at once with the parser's reason.
import { parseAddress, parseCidr, type Cidr } from "../../src/store/ip.js";

export function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.cidr;
}

export function address(text: string): NonNullable<ReturnType<typeof parseAddress>> {
  const parsed = parseAddress(text);
  if (parsed === undefined) throw new Error(`not an address: ${text}`);
  return parsed;
}
