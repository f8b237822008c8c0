import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken } from '../lib/bearer.ts';
import type { HeaderSource } from '../ratelimit/clients.ts';

/**
 * Whether the request carries `Authorization: Bearer <ADMIN_TOKEN>`. Both sides are hashed first so the
 * comparison takes the same time whatever the length or content of what was sent.
 */
export function isAdminRequest(request: HeaderSource, adminToken: string | undefined): boolean {
  if (!adminToken) return false;
  const header = request.headers.get('authorization') ?? '';
  const sent = bearerToken(header);
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(sent), digest(adminToken));
}
