/** The token of an `Authorization: Bearer <token>` header; '' for any other. The scheme is case-insensitive (RFC 9110). */
export function bearerToken(header: string | null | undefined): string {
  const match = /^bearer +(.*)$/i.exec(header ?? '');
  return match ? match[1]! : '';
}
