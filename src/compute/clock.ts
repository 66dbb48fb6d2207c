// One way to write times: ISO-8601 UTC with milliseconds (sortable as text).
export const nowIso = (): string => new Date().toISOString();
export const isoAfter = (ms: number, from = Date.now()): string => new Date(from + ms).toISOString();

let lastStamp = 0;

/**
 * A creation time later than every one this process gave before (a millisecond
 * on when two fall in the same one). Records whose order is their creation
 * order (a server's ports: its first network goes on its first NIC) sort by it;
 * with plain time, two made in one millisecond fell back to their random ids.
 */
export const creationIso = (now = Date.now()): string => {
  lastStamp = Math.max(now, lastStamp + 1);
  return new Date(lastStamp).toISOString();
};
