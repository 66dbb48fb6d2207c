// Paging done in the API layer, for listings whose filters the compute layer
// does not know (status, image, visibility…): the whole visible list is fetched,
// then filtered and cut here, so a page is never short because of a filter.
import { BadRequestError } from "../compute/contract.js";

/**
 * The items after the one whose id is `marker` (from the start without a
 * marker) that pass `keep`, at most `limit`. The marker is looked up before
 * filtering, as Nova's database query does, so it may itself be filtered out;
 * a marker not in the list at all is a 400, as in Nova.
 */
export function pageOf<T extends { id: string }>(
  items: readonly T[],
  page: { marker?: string | undefined; limit?: number | undefined },
  keep: (item: T) => boolean = () => true,
): T[] {
  let start = 0;
  const { marker, limit } = page;
  if (marker !== undefined) {
    const index = items.findIndex((item) => item.id === marker);
    if (index < 0) throw new BadRequestError(`marker [${marker.slice(0, 64)}] not found`);
    start = index + 1;
  }
  const kept = items.slice(start).filter(keep);
  return limit === undefined ? kept : kept.slice(0, limit);
}
