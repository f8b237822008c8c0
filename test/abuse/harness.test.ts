import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProductionServer, startFlags, startProductionServer, stillServes } from './helpers/production-server.ts';

describe('the production server the abuse suites attack', () => {
  let server: ProductionServer;
  beforeAll(async () => {
    server = await startProductionServer();
  });
  afterAll(() => server?.stop());

  it("runs the bundle with npm start's heap cap and answers", async () => {
    expect(startFlags().some((f) => f.startsWith('--max-old-space-size='))).toBe(true);
    const { ok } = await stillServes(server);
    expect(ok).toBe(true);
    expect(server.rssMb()).toBeGreaterThan(10);
  });
});
