import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ORIGIN, type ProductionServer, startProductionServer } from './helpers/production-server.ts';

// SIGTERM (a deploy, a scale-down) must not cut what is in flight: requests, @defer streams and
// subscriptions finish (or, past SHUTDOWN_DRAIN_MS, end with a SHUTTING_DOWN error) and the process exits 0.

/** Ten recommendations whose explanations arrive later (each job held EXPLAIN_DELAY_MS by the engine). */
const DEFERRED = `{ recommendations(input: { persona: STUDENT, budget: 900, locationType: RENT, limit: 10 }) {
  results { rank area { name } ... @defer { explanation { status text } } } } }`;
const SUBSCRIBE = 'subscription ($id: ID!) { explanationUpdated(id: $id) { status } }';
const REQUEST_EXPLANATION = (budget: number) =>
  `mutation { requestExplanation(areaCode: "E09000007", persona: STUDENT, context: { budget: ${budget}, locationType: RENT, size: ROOM }) { id } }`;

interface Answer {
  kind: 'multipart' | 'sse';
  status: number;
  body: string;
  /** ECONNRESET and the like: what must never happen. */
  error?: string;
  /** performance.now() when the answer ended, however it ended. */
  endedAt: number;
}

/** A streamed answer read to its end on its own connection, with the moment its headers arrived. */
function stream(url: string, accept: 'multipart/mixed' | 'text/event-stream', query: string, variables?: Record<string, unknown>) {
  let onHeaders!: () => void;
  const started = new Promise<void>((resolve) => (onHeaders = resolve));
  const done = new Promise<Answer>((resolve) => {
    const answer: Answer = { kind: accept === 'multipart/mixed' ? 'multipart' : 'sse', status: 0, body: '', endedAt: 0 };
    const end = (error?: Error & { code?: string }) => {
      answer.endedAt = performance.now();
      if (error) answer.error = error.code ?? error.message;
      onHeaders();
      resolve(answer);
    };
    const req = request(
      `${url}/graphql`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', accept, origin: ORIGIN } },
      (res) => {
        answer.status = res.statusCode ?? 0;
        onHeaders();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (answer.body += chunk));
        res.on('end', () => end());
        res.on('error', end);
        res.on('aborted', () => end(Object.assign(new Error('aborted'), { code: 'ABORTED' })));
      },
    );
    req.on('error', end);
    req.end(JSON.stringify({ query, variables }));
  });
  return { started, done };
}

/** The JSON payloads of a multipart or SSE answer, and whether it ended as the protocol says it must. */
function readAnswer(answer: Answer): { payloads: any[]; closed: boolean } {
  if (answer.kind === 'multipart') {
    const payloads = answer.body
      .split('\r\n---')
      .map((part) => part.slice(part.indexOf('\r\n\r\n') + 4).trim())
      .filter((json) => json.startsWith('{'))
      .map((json) => JSON.parse(json));
    return { payloads, closed: answer.body.endsWith('\r\n-----\r\n') };
  }
  const payloads = [...answer.body.matchAll(/^event: next\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]!));
  return { payloads, closed: /event: complete\ndata:\s*\n\n$/.test(answer.body) };
}

/** A connection that has sent part of a request; `finish` sends the rest and reads the raw answer. */
function partialRequest(url: string, head: string) {
  const { port } = new URL(url);
  const socket: Socket = connect(Number(port), '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  const closed = new Promise<string | undefined>((resolve) => {
    socket.on('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message));
    socket.on('close', () => resolve(undefined));
  });
  socket.write(head);
  return {
    async finish(rest: string) {
      socket.write(rest);
      const error = await closed;
      const [headers = '', body = ''] = received.split('\r\n\r\n');
      return { error, statusLine: headers.split('\r\n')[0], headers: headers.toLowerCase(), body };
    },
  };
}

async function logged(server: ProductionServer, event: string, timeoutMs = 5_000) {
  const deadline = performance.now() + timeoutMs;
  while (!server.logs.some((l) => l.event === event)) {
    if (performance.now() > deadline) throw new Error(`no ${event} log line`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return server.logs.find((l) => l.event === event)!;
}

describe('SIGTERM against the production server', () => {
  let server: ProductionServer | undefined;
  afterEach(() => server?.stop());

  it('drains 20 requests and 5 streams in flight: no reset, every answer complete, /ready 503 meanwhile, exit 0', async () => {
    server = await startProductionServer({
      EXPLAIN_DELAY_MS: '1500',
      SHUTDOWN_DRAIN_MS: '20000',
      EXPLANATIONS_PER_HOUR: '1000',
      RATE_LIMIT_POINTS_PER_MINUTE: '1000000',
    });
    // 20 requests whose explanations are deferred (multipart), 3 more over SSE, and 2 subscriptions to jobs
    // queued behind theirs (the engine runs 4 at a time), so that all are open when the signal comes.
    const inFlight = [
      ...Array.from({ length: 20 }, () => stream(server!.url, 'multipart/mixed', DEFERRED)),
      ...Array.from({ length: 3 }, () => stream(server!.url, 'text/event-stream', DEFERRED)),
    ];
    await Promise.all(inFlight.map((s) => s.started));
    for (const budget of [710, 720]) {
      const { body } = await server.gql(REQUEST_EXPLANATION(budget));
      inFlight.push(stream(server.url, 'text/event-stream', SUBSCRIBE, { id: body.data.requestExplanation.id }));
    }
    await Promise.all(inFlight.map((s) => s.started));
    // A request whose body is still on its way when the signal comes, and a probe whose headers are.
    const body = JSON.stringify({ query: '{ __typename }' });
    const late = partialRequest(
      server.url,
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nOrigin: ${ORIGIN}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const probe = partialRequest(server.url, 'GET /ready HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));

    const signalledAt = performance.now();
    server.child.kill('SIGTERM');
    const stopping = await logged(server, 'server.stopping');
    expect(stopping.openRequests).toBeGreaterThanOrEqual(inFlight.length);

    // No new connection is accepted. (A kept-alive idle one is still answered for a moment, with Connection: close.)
    const connecting = new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(server!.url).port), '127.0.0.1');
      socket.on('connect', () => resolve(socket.destroy()));
      socket.on('error', reject);
    });
    await expect(connecting).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const ready = await probe.finish('\r\n');
    expect(ready.error).toBeUndefined();
    expect(ready.statusLine).toBe('HTTP/1.1 503 Service Unavailable');
    expect(JSON.parse(ready.body)).toEqual({ status: 'draining' });
    expect(ready.headers).toContain('connection: close');
    const answered = await late.finish(body);
    expect(answered.error).toBeUndefined();
    expect(answered.statusLine).toBe('HTTP/1.1 200 OK');
    expect(JSON.parse(answered.body).data).toEqual({ __typename: 'Query' });
    expect(answered.headers).toContain('connection: close');

    const answers = await Promise.all(inFlight.map((s) => s.done));
    const resets = answers.filter((a) => a.error);
    expect(resets).toEqual([]);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      // Still open when the signal came, so this drain is what let them finish.
      expect(answer.endedAt).toBeGreaterThan(signalledAt);
      const { payloads, closed } = readAnswer(answer);
      expect(closed).toBe(true);
      expect(JSON.stringify(payloads)).not.toContain('SHUTTING_DOWN');
    }
    // The engine kept serving through the drain: every deferred explanation and subscription ended READY.
    for (const answer of answers.slice(0, 23)) {
      const explanations = readAnswer(answer).payloads.flatMap((p) => (p.incremental ?? []).map((i: any) => i.data.explanation.status));
      expect(explanations).toHaveLength(10);
      expect(new Set(explanations)).toEqual(new Set(['READY']));
    }
    for (const answer of answers.slice(23)) {
      expect(readAnswer(answer).payloads.at(-1).data.explanationUpdated.status).toBe('READY');
    }

    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.logs.findLast((l) => l.event === 'server.stopped')).toMatchObject({ drained: true });
    console.info(
      `shutdown: ${answers.length + 1} answers drained, 0 resets; last ended ${(Math.max(...answers.map((a) => a.endedAt)) - signalledAt).toFixed(0)} ms after SIGTERM`,
    );
  });

  it('ends the streams still open at SHUTDOWN_DRAIN_MS with a SHUTTING_DOWN error, then exits 0', async () => {
    server = await startProductionServer({
      EXPLAIN_DELAY_MS: '8000',
      SHUTDOWN_DRAIN_MS: '500',
      EXPLANATIONS_PER_HOUR: '1000',
      RATE_LIMIT_POINTS_PER_MINUTE: '1000000',
    });
    const { body } = await server.gql(REQUEST_EXPLANATION(730));
    const open = [
      ...Array.from({ length: 3 }, () => stream(server!.url, 'multipart/mixed', DEFERRED)),
      ...Array.from({ length: 2 }, () => stream(server!.url, 'text/event-stream', DEFERRED)),
      stream(server.url, 'text/event-stream', SUBSCRIBE, { id: body.data.requestExplanation.id }),
    ];
    await Promise.all(open.map((s) => s.started));

    const signalledAt = performance.now();
    server.child.kill('SIGTERM');
    const answers = await Promise.all(open.map((s) => s.done));
    expect(answers.filter((a) => a.error)).toEqual([]);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const { payloads, closed } = readAnswer(answer);
      expect(closed).toBe(true);
      const last = payloads.at(-1);
      expect(last.errors.map((e: any) => e.extensions.code)).toEqual(['SHUTTING_DOWN']);
      // An incremental answer says it is the last part; a subscription's event has no such field.
      if (payloads[0].hasNext !== undefined) expect(last.hasNext).toBe(false);
      // Cut at the deadline, well before the explanations (8 s) would have come.
      expect(answer.endedAt - signalledAt).toBeLessThan(3_000);
    }
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.logs.some((l) => l.event === 'server.drain.deadline')).toBe(true);
    expect(server.logs.findLast((l) => l.event === 'server.stopped')).toMatchObject({ drained: true });
  });

  it('under keep-alive load (clients sending their next request as each answer comes), no request is reset', async () => {
    server = await startProductionServer({ RATE_LIMIT_POINTS_PER_MINUTE: '100000000', SHUTDOWN_DRAIN_MS: '5000' });
    const { port } = new URL(server.url);
    const body = '{"query":"{ personas { key name } }"}';
    const request = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nOrigin: ${ORIGIN}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const tally = { answered: 0, closedByAnswer: 0, resets: 0, unanswered: 0, refused: 0 };
    let stopping = false;
    /** One client on one connection: its next request as soon as an answer comes; a new connection after one that closes. */
    const client = (): Promise<void> =>
      new Promise((resolve) => {
        if (stopping) return resolve();
        const socket = connect(Number(port), '127.0.0.1');
        let buffer = '';
        let waiting = false;
        const send = () => {
          waiting = true;
          socket.write(request);
        };
        socket.on('connect', send);
        socket.on('data', (chunk) => {
          buffer += chunk.toString('latin1');
          const end = buffer.indexOf('\r\n\r\n');
          const length = Number(/content-length: (\d+)/i.exec(buffer.slice(0, end))?.[1] ?? NaN);
          if (end === -1 || buffer.length < end + 4 + length) return;
          const closes = /\r\nconnection: close\r\n/i.test(buffer.slice(0, end));
          buffer = buffer.slice(end + 4 + length);
          waiting = false;
          tally.answered += 1;
          if (closes) {
            tally.closedByAnswer += 1;
            socket.end();
          } else send();
        });
        socket.on('error', (error: Error & { code?: string }) => {
          if (error.code === 'ECONNRESET') tally.resets += 1;
          else if (error.code === 'ECONNREFUSED') tally.refused += 1;
        });
        socket.on('close', () => {
          if (waiting) tally.unanswered += 1;
          resolve(stopping ? undefined : client());
        });
      });
    const clients = Array.from({ length: 20 }, () => client());
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const before = tally.answered;
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    stopping = true;
    await Promise.all(clients);
    expect(before).toBeGreaterThan(100);
    // Every connection busy at the signal got its last answer with Connection: close, and closed itself.
    expect(tally).toMatchObject({ resets: 0, unanswered: 0 });
    expect(tally.closedByAnswer).toBeGreaterThanOrEqual(20);
    expect(server.logs.findLast((l) => l.event === 'server.stopped')).toMatchObject({ drained: true });
  });

  it('a second signal ends the drain at once: the streams get SHUTTING_DOWN well before SHUTDOWN_DRAIN_MS', async () => {
    server = await startProductionServer({
      EXPLAIN_DELAY_MS: '8000',
      SHUTDOWN_DRAIN_MS: '20000',
      EXPLANATIONS_PER_HOUR: '1000',
      RATE_LIMIT_POINTS_PER_MINUTE: '1000000',
    });
    const open = [stream(server.url, 'multipart/mixed', DEFERRED), stream(server.url, 'text/event-stream', DEFERRED)];
    await Promise.all(open.map((s) => s.started));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const secondAt = performance.now();
    server.child.kill('SIGTERM');
    const answers = await Promise.all(open.map((s) => s.done));
    for (const answer of answers) {
      expect(answer.error).toBeUndefined();
      const { payloads, closed } = readAnswer(answer);
      expect(closed).toBe(true);
      expect(payloads.at(-1).errors.map((e: any) => e.extensions.code)).toEqual(['SHUTTING_DOWN']);
      expect(answer.endedAt - secondAt).toBeLessThan(2_000);
    }
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
