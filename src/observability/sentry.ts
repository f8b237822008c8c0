import type { Plugin } from 'graphql-yoga';
import type { ObservabilityConfig } from '../config/observability-env.ts';
import type { Log } from './logger.ts';
import { scrub } from './scrub.ts';

type SentryConfig = NonNullable<ObservabilityConfig['sentry']>;
type SentrySdk = typeof import('@sentry/node');

/** What reporting reads from an operation's context: the request's id (a tag) and the request itself. */
interface ReportedContext {
  requestId: string;
  request?: Request;
}

export interface ErrorReporting {
  /** Captures unexpected errors of every operation, with its name, type and request id as tags. */
  plugin: Plugin<ReportedContext>;
  /** Waits (at most `timeoutMs`) until captured events are sent. */
  flush(timeoutMs: number): Promise<void>;
}

// Sentry keeps one client per process; a second app with the same DSN (tests, hot reload) reuses it.
let started: { dsn: string; sdk: SentrySdk } | undefined;

type RequestData = { method: string; url: string; headers: Record<string, string> };
/**
 * The HTTP request of each operation by request id, so an event gets the request it came from (an event
 * is built after the operation, outside any per-request scope). Bounded: the oldest go first.
 */
const requests = new Map<string, RequestData>();
const REMEMBERED = 500;

function remember(id: string, request: Request) {
  requests.set(id, { method: request.method, url: request.url, headers: Object.fromEntries(request.headers) });
  if (requests.size > REMEMBERED) requests.delete(requests.keys().next().value!);
}

/**
 * Reports to Sentry through @envelop/sentry. Only errors that are not GraphQLErrors of our own are sent
 * (the plugin's default): bad input, not found, rate limited, upstream unavailable are expected answers, not
 * bugs. The SDK is imported only when a DSN is configured, so without one nothing loads, sends or warns.
 */
/** `ownTracing`: our traces (traces.ts) hold the process's OpenTelemetry setup, so Sentry does not start its own. */
export function createErrorReporting(config: SentryConfig, secrets: readonly string[], log: Log, ownTracing = false): ErrorReporting {
  const loaded = Promise.all([import('@sentry/node'), import('@envelop/sentry')]).then(([sdk, envelopSentry]) => {
    startSentry(sdk, config, secrets, ownTracing);
    return envelopSentry.useSentry<ReportedContext>({
      appendTags: ({ contextValue }) => ({ request_id: contextValue.requestId }),
      // The event id would only reach errors that are shown as they are, which are never reported.
      eventIdKey: null,
    });
  });
  const plugin = loaded.catch((error: Error) => {
    log('sentry.failed', { message: error.message });
    return undefined;
  });

  return {
    plugin: {
      // Envelop waits for an async onExecute, so no operation runs before reporting is in place.
      async onExecute(payload) {
        const context = payload.args.contextValue as ReportedContext;
        if (context.request) remember(context.requestId, context.request);
        return (await plugin)?.onExecute?.(payload as never);
      },
    },
    async flush(timeoutMs) {
      if ((await plugin) && started) await started.sdk.flush(timeoutMs);
    },
  };
}

function startSentry(sdk: SentrySdk, config: SentryConfig, secrets: readonly string[], ownTracing: boolean) {
  if (started?.dsn === config.dsn) return;
  sdk.init({
    dsn: config.dsn,
    environment: config.environment,
    release: config.release,
    sampleRate: config.sampleRate,
    tracesSampleRate: config.tracesSampleRate,
    sendDefaultPii: false,
    // No module patching: errors come from the GraphQL plugin, and ESM hooks would slow every later import.
    registerEsmLoaderHooks: false,
    // Two OpenTelemetry setups would compete for the one global tracer provider.
    skipOpenTelemetrySetup: ownTracing,
    // Report an unhandled rejection, then exit as Node does without Sentry (its default only warns).
    integrations: [sdk.onUnhandledRejectionIntegration({ mode: 'strict' })],
    // Credentials are blanked out of everything sent, the request's headers included.
    beforeSend: (event) => {
      const request = requests.get(String(event.tags?.request_id));
      return scrub(request ? { ...event, request: { ...request, ...event.request } } : event, secrets);
    },
    beforeSendTransaction: (event) => scrub(event, secrets),
    beforeBreadcrumb: (breadcrumb) => scrub(breadcrumb, secrets),
  });
  started = { dsn: config.dsn, sdk };
}
