/** How every part of the server logs: an event name and its fields, one JSON line each (observability/logger.ts). */
export type Log = (event: string, fields?: Record<string, unknown>) => void;
