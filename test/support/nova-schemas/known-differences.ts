// Where our answers differ from Nova's schema on purpose, or until other work
// lands. Each entry names the route ("METHOD pattern", "#action" for a server
// action, "*" for every compute route), the microversions, the issue as
// checker.ts words it and why. test/api/nova-schemas.test.ts fails when an
// entry matches nothing any more (stale).
export interface KnownDifference {
  route: string | readonly string[];
  from?: number;
  to?: number;
  /** Only for answers with this status. */
  status?: number;
  issue: RegExp;
  reason: string;
}

const UNTIL_FLAVORS = "until the flavors branch merges (issue 18 item 1: the scheduling fields live in extra_specs only)";

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    route: "*",
    issue: /(^|\.|\])ironic_compute:[a-z_]+: unexpected field$/,
    reason:
      "our own fields carry the ironic_compute: prefix, as Nova's extensions carry theirs (OS-EXT-…); clients ignore keys they do not know (docs/openstack-compat.md §6)",
  },
  {
    route: ["POST /v2.1/flavors", "GET /v2.1/flavors/:id", "GET /v2.1/flavors/detail"],
    issue: /^flavors?(\[\])?\.(resource_class|required_traits|forbidden_traits|capabilities): unexpected field$/,
    reason: UNTIL_FLAVORS,
  },
];

export function differenceMatching(route: string, microversion: number, status: number, issue: string): KnownDifference | undefined {
  return KNOWN_DIFFERENCES.find(
    (difference) =>
      (difference.route === "*" || difference.route === route || (Array.isArray(difference.route) && difference.route.includes(route))) &&
      microversion >= (difference.from ?? 1) &&
      microversion <= (difference.to ?? Number.MAX_SAFE_INTEGER) &&
      (difference.status === undefined || difference.status === status) &&
      difference.issue.test(issue),
  );
}
