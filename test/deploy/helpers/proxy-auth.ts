import type { Received } from '../../helpers/modal-stand-in.ts';

/** The proxy-auth token the functions under test are given for Modal. */
export const MODAL_PROXY = { MODAL_PROXY_KEY: 'wk-deploy-suite-proxy-key', MODAL_PROXY_SECRET: 'ws-deploy-suite-proxy-secret' };

/** What Modal answers a request without the workspace's proxy-auth headers (`requires_proxy_auth=True`). */
export function refusedWithoutProxyAuth(request: Received) {
  const authorised =
    request.headers['modal-key'] === MODAL_PROXY.MODAL_PROXY_KEY && request.headers['modal-secret'] === MODAL_PROXY.MODAL_PROXY_SECRET;
  return authorised ? undefined : { status: 401, body: { error: 'missing or invalid proxy auth' } };
}
