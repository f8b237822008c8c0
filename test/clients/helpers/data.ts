import { readCsv } from '../../helpers/data.ts';

/** A global id as the README documents it: base64url of `<Type>:<code or key>`. */
export const globalId = (type: string, key: string) => Buffer.from(`${type}:${key}`).toString('base64url');

/** The boroughs of the engine's data, by code. */
export const boroughs = new Map(readCsv('boroughs.csv').map((row) => [row.code!, row]));
/** Each borough's median monthly rent over all sizes, by code (null where the data has none). */
export const medianRents = new Map(readCsv('rents.csv').map((row) => [row.code!, row.median_all ? Number(row.median_all) : null]));
