import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardToEngine } from './modal-stand-in.ts';

interface EngineInFrontState {
  /** While true, every /areas call is held, unanswered (a hung engine). */
  hold: boolean;
  /** While set, every /areas call is answered 503 after this long (a slow failing engine). */
  failAfterMs?: number;
  /** Edits every answer's text (new figures, a new data version). */
  rewrite?: (text: string) => string;
  /**
   * While set, an /areas call is answered as the engine answered it when it was asked (its text rewritten by
   * the `rewrite` of that moment), but only once this settles: a fetch in flight across what the test does.
   */
  gate?: Promise<void>;
  areaCalls: number;
}

/** An engine in front of the real one, whose answers a test can hold, fail, delay and edit; it counts the /areas calls. */
export async function engineInFront() {
  const held: ServerResponse[] = [];
  const state: EngineInFrontState = { hold: false, areaCalls: 0 };
  const engine = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const areas = req.url === '/areas';
    if (areas) state.areaCalls += 1;
    if (state.hold && areas) return void held.push(res);
    if (state.failAfterMs !== undefined && areas) {
      setTimeout(() => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}'), state.failAfterMs);
      return;
    }
    await forwardToEngine(req, body, res, state.rewrite, areas ? state.gate : undefined);
  });
  await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(engine.address() as AddressInfo).port}`,
    state,
    held,
    close: async () => {
      for (const res of held) res.destroy();
      engine.closeAllConnections();
      await new Promise((resolve) => engine.close(resolve));
    },
  };
}
