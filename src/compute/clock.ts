// One way to write times: ISO-8601 UTC with milliseconds (sortable as text).
export const nowIso = (): string => new Date().toISOString();
export const isoAfter = (ms: number, from = Date.now()): string => new Date(from + ms).toISOString();
