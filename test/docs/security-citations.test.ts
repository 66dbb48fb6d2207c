// docs/security.md proves each requirement and each fixed defect by naming tests as
// `test/path/file.test.ts › describe title › it title`. A renamed or deleted test
// would leave the doc pointing at nothing; this test reads every such citation and
// fails when its file is missing or one of its titles is not a describe/it/test
// title in that file. Pure text work: no Ironic, no store.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const SEPARATOR = " › ";

export interface Citation {
  readonly file: string;
  readonly titles: readonly string[];
  readonly text: string;
}

/** Every backticked span of the doc that starts with `test/`: a file, then its titles. */
export function citationsIn(markdown: string): Citation[] {
  const spans = markdown.matchAll(/`(test\/[^`]+)`/g);
  return [...spans].map((match) => {
    const text = match[1] ?? "";
    const [file = "", ...titles] = text.split(SEPARATOR).map((part) => part.trim());
    return { file, titles, text };
  });
}

// describe("…"), it.concurrent('…'), test.skipIf(x)(`…`), and the title after
// `.each([...])(` (caught by the `)(` branch).
const TITLE_CALL =
  /(?:\b(?:describe|it|test)(?:\.(?:skip|only|concurrent|sequential|todo|fails|skipIf\([^)]*\)|runIf\([^)]*\)))*\(|\)\()\s*(["'`])((?:\\.|(?!\1)[^\\])*)\1/gs;

function unescape(literal: string): string {
  return literal.replace(/\\(.)/g, "$1");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A title as a pattern: `${…}` of a template literal stands for any text. */
function titlePattern(literal: string): RegExp {
  const parts = literal.split(/\$\{[^}]*\}/).map((part) => escapeRegExp(unescape(part)));
  return new RegExp(`^${parts.join(".+")}$`, "s");
}

/** The describe/it/test titles written in a test file's source. */
export function titlesIn(source: string): RegExp[] {
  return [...source.matchAll(TITLE_CALL)].map((match) => titlePattern(match[2] ?? ""));
}

/** What is wrong with one citation, or nothing. */
export function citationProblems(citation: Citation, readSource: (file: string) => string | undefined): string[] {
  const source = readSource(citation.file);
  if (source === undefined) return [`${citation.text}: no file ${citation.file}`];
  const titles = titlesIn(source);
  return citation.titles
    .filter((title) => !titles.some((pattern) => pattern.test(title)))
    .map((title) => `${citation.text}: no describe/it titled "${title}" in ${citation.file}`);
}

/** Backticked spans that continue a citation without naming its file (`› title`, `… › title`). */
export function fileLessCitations(markdown: string): string[] {
  return [...markdown.matchAll(/`((?:…\s*)?›[^`]*)`/g)].map((match) => match[1] ?? "");
}

function readFromRepo(file: string): string | undefined {
  const path = join(ROOT, file);
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

describe("docs/security.md citations", () => {
  const doc = readFileSync(join(ROOT, "docs", "security.md"), "utf8");
  const citations = citationsIn(doc);

  it("cites tests", () => {
    expect(citations.length).toBeGreaterThan(50);
  });

  it("every cited file exists and every cited title is a describe/it title in it", () => {
    const problems = citations.flatMap((citation) => citationProblems(citation, readFromRepo));
    expect(problems).toEqual([]);
  });

  it("names the file in every citation (no `› title` continuing the one before)", () => {
    expect(fileLessCitations(doc)).toEqual([]);
  });

  it("finds a wrong file, a wrong title and a title of another file", () => {
    const source = 'describe("outer", () => {\n  describe(`inner ${name}`, () => {\n    it("does it", () => {});\n  });\n});\n';
    const read = (file: string): string | undefined => (file === "test/a.test.ts" ? source : undefined);
    const check = (text: string): string[] => citationProblems(citationsIn(`\`${text}\``)[0] ?? { file: "", titles: [], text }, read);
    expect(check("test/a.test.ts › outer › inner SQLite › does it")).toEqual([]);
    expect(check("test/b.test.ts › outer")).toHaveLength(1);
    expect(check("test/a.test.ts › outer › does not")).toHaveLength(1);
    expect(check("test/a.test.ts › outer › does")).toHaveLength(1);
    expect(check("test/a.test.ts › … › does it")).toHaveLength(1);
    expect(fileLessCitations("`› outer` and `… › does it` but not `test/a.test.ts › outer`")).toEqual(["› outer", "… › does it"]);
  });
});
