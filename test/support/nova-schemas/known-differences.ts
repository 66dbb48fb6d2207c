// Where our answers differ from Nova's schema on purpose, or until other work
// lands. Each entry names the route ("METHOD pattern", "#action" for a server
// action, "*" for every compute route), the microversions, the issue as
// checker.ts words it and why. test/api/nova-schemas.test.ts fails when an
// entry matches nothing any more (stale).
export interface KnownDifference {
  route: string;
  from?: number;
  to?: number;
  /** Only for answers with this status. */
  status?: number;
  issue: RegExp;
  reason: string;
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [];

export function differenceMatching(route: string, microversion: number, status: number, issue: string): KnownDifference | undefined {
  return KNOWN_DIFFERENCES.find(
    (difference) =>
      (difference.route === "*" || difference.route === route) &&
      microversion >= (difference.from ?? 1) &&
      microversion <= (difference.to ?? Number.MAX_SAFE_INTEGER) &&
      (difference.status === undefined || difference.status === status) &&
      difference.issue.test(issue),
  );
}
