// One way to write times: ISO-8601 UTC with milliseconds (sortable as text).
export const nowIso = (): string => new Date().toISOString();
export const isoAfter = (ms: number, from = Date.now()): string => new Date(from + ms).toISOString();

let lastStamp = 0;

/**
 * A creation time later than every one this process gave before (a millisecond
 * on when two fall in the same one): every record's `createdAt` (servers,
 * ports, networks, subnets, volumes and their attachments, flavors, images,
 * key pairs, server groups, projects, users, application credentials). Lists
 * sort by it, and some order is meaning (a server's ports: its first network
 * goes on its first NIC); with plain time, two made in one millisecond fell
 * back to their random ids.
 */
export const creationIso = (now = Date.now()): string => {
  lastStamp = Math.max(now, lastStamp + 1);
  return new Date(lastStamp).toISOString();
};
