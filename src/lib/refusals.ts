/**
 * The code of a refusal answered before any GraphQL result exists (a forbidden origin, 406, 415): the request
 * log and the error metric never see a result to read it from, so they read it here.
 */
const codes = new WeakMap<Request, string>();

/** Yoga answers these statuses with an empty body (http/error-codes-plugin.ts then writes a coded one). */
export const EMPTY_REFUSAL_CODES: Readonly<Record<number, string>> = { 406: 'NOT_ACCEPTABLE', 415: 'UNSUPPORTED_MEDIA_TYPE' };

/** For a plugin that answers a refusal itself, before any result. */
export function noteRefusal(request: Request, code: string): void {
  codes.set(request, code);
}

/** The refusal's code, for a response without a GraphQL result (undefined for any other). */
export function refusalOf(request: Request, response: Response): string | undefined {
  return codes.get(request) ?? (response.headers.has('content-type') ? undefined : EMPTY_REFUSAL_CODES[response.status]);
}
