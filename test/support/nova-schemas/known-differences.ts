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

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    route: "*",
    issue: /(^|\.|\])ironic_compute:[a-z_]+: unexpected field$/,
    reason:
      "our own fields carry the ironic_compute: prefix, as Nova's extensions carry theirs (OS-EXT-…); clients ignore keys they do not know (docs/openstack-compat.md §6)",
  },
  {
    route: "POST /v2.1/os-server-external-events",
    to: 75,
    issue: /^events\[\]\.name: Invalid option/,
    reason:
      "power-update is taken at any microversion (Nova from 2.76; Ironic's notifier sends 2.76, other callers may send none) and echoed back as Nova does from 2.76",
  },
  {
    route: "POST /v2.1/servers/:id/action#rebuild",
    from: 57,
    issue: /^server\.user_data: missing$/,
    reason: "user_data is never shown (it may hold secrets; docs/openstack-compat.md §6), not even in the rebuild answer where Nova puts it from 2.57",
  },
  {
    route: "*",
    status: 403,
    issue: /^(error: unexpected field|forbidden: missing)$/,
    reason:
      "a token the auth edge refuses (unscoped) gets Keystone's error shape, as keystonemiddleware answers in front of Nova (src/api/auth.ts)",
  },
  {
    route: "*",
    status: 421,
    issue: /^(computeFault: missing|misdirectedRequest: unexpected field)$/,
    reason: "a request naming another Host is refused with 421 misdirectedRequest (DNS rebinding, src/api/host-check.ts); Nova has no such check",
  },
  {
    route: ["GET /v2.1/os-quota-sets/:project_id", "GET /v2.1/os-quota-sets/:project_id/defaults", "GET /v2.1/os-quota-sets/:project_id/detail", "PUT /v2.1/os-quota-sets/:project_id"],
    issue: /^quota_set\.class:[A-Z0-9_]+: unexpected field$/,
    reason: "the per-resource-class server quotas are shown as `class:<RESOURCE_CLASS>` keys beside Nova's (docs/openstack-compat.md); clients print keys they do not know",
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
