import { TimeoutError } from 'ky';
import type { CircuitBreaker } from '../lib/circuit-breaker.ts';
import type { Log } from '../lib/log.ts';
import { type EngineFetch, isOutageAnswer } from './client.ts';
import { endpointOf } from './upstream.ts';

export interface FailoverOptions {
  modal: EngineFetch;
  local: EngineFetch;
  /** Counts Modal's outages; while it is open, requests go straight to the local engine. */
  breaker: CircuitBreaker;
  log: Log;
}

/**
 * The fetch of ENGINE_MODE=auto: each request goes to Modal while the breaker allows, and the same request
 * to the local engine when Modal is away (it could not be reached, did not answer in time, or answered with
 * anything but the endpoint's answer). A request Modal refuses (HTTP 400) means Modal is up: that answer
 * stands and counts as a success.
 */
export function failoverFetch({ modal, local, breaker, log }: FailoverOptions): EngineFetch {
  return async (request) => {
    if (!breaker.allow()) return local(request);
    const again = request.clone();
    const endpoint = endpointOf(request);
    let failure: string;
    try {
      const response = await modal(request);
      if (!(await isOutageAnswer(endpoint, response))) {
        breaker.success();
        return response;
      }
      await response.body?.cancel();
      failure = response.ok
        ? `Modal answered ${endpoint} in an unexpected shape`
        : `Modal answered ${endpoint} with HTTP ${response.status}`;
    } catch (error) {
      failure = error instanceof TimeoutError ? `Modal did not answer ${endpoint} in time` : `Modal could not be reached for ${endpoint}`;
    }
    breaker.failure();
    log('engine.modal.failed', { endpoint, message: failure, breaker: breaker.state });
    return local(again);
  };
}
