// docs/openstack-compat.md's microversion table (issue 18 "Done when"): one row
// per compute microversion from 2.1 to the maximum the service advertises, each
// with a status, and a reason for every one that is not plainly supported. A
// new MAX_MICROVERSION without its row fails here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_MICROVERSION, MIN_MICROVERSION } from "../../src/api/microversion.js";

const DOC = readFileSync(new URL("../../docs/openstack-compat.md", import.meta.url), "utf8");
const STATUSES = new Set(["supported", "supported (issue 18 #1/#4)", "partly", "not supported", "no effect here"]);

function tableSection(): string {
  const start = DOC.indexOf("\n## Nova microversions 2.1–");
  expect(start, "the section '## Nova microversions 2.1–2.N' exists").toBeGreaterThan(0);
  const end = DOC.indexOf("\n## ", start + 1);
  return DOC.slice(start, end < 0 ? undefined : end);
}

describe("docs/openstack-compat.md microversion table", () => {
  it("names the advertised maximum and has exactly one row per microversion, each with a known status and a reason when not supported", () => {
    const section = tableSection();
    expect(section.split("\n")[1]).toBe(`## Nova microversions 2.${MIN_MICROVERSION}–2.${MAX_MICROVERSION}: what is supported`);
    const rows = [...section.matchAll(/^\| 2\.(\d+) \|([^|]+)\|([^|]+)\|([^|]*)\|$/gm)].map((match) => ({
      minor: Number(match[1]),
      change: (match[2] ?? "").trim(),
      status: (match[3] ?? "").trim(),
      note: (match[4] ?? "").trim(),
    }));
    const expected = Array.from({ length: MAX_MICROVERSION - MIN_MICROVERSION + 1 }, (_, index) => MIN_MICROVERSION + index);
    expect(rows.map((row) => row.minor)).toEqual(expected);
    for (const row of rows) {
      expect(STATUSES.has(row.status), `2.${row.minor}: status '${row.status}'`).toBe(true);
      expect(row.change, `2.${row.minor}: Nova's change`).not.toBe("");
      if (row.status !== "supported") expect(row.note, `2.${row.minor}: the reason`).not.toBe("");
    }
  });
});
