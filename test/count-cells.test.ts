import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { cellCounter } from '../src/observability/count-cells.ts';
import { createLogger } from '../src/observability/logger.ts';

describe('a counter counted in cells', () => {
  it('adds what its cells hold when it is read, once, beside ordinary increments', async () => {
    const registry = new Registry();
    const counter = cellCounter({ name: 't_total', help: 't', labelNames: ['kind'] as const, registers: [registry] });
    const a = counter.cell({ kind: 'a' });
    expect(counter.cell({ kind: 'a' })).toBe(a);
    a.n += 3;
    counter.cell({ kind: 'b' }).n++;
    counter.inc({ kind: 'a' }, 2);
    const read = async () => Object.fromEntries((await counter.get()).values.map((v) => [v.labels.kind, v.value]));
    expect(await read()).toEqual({ a: 5, b: 1 });
    // Read again with nothing new: the cells were emptied into the counter, not added twice.
    expect(await read()).toEqual({ a: 5, b: 1 });
    a.n++;
    expect(await registry.metrics()).toContain('t_total{kind="a"} 6');
  });

  it('an unlabelled counter has one cell', async () => {
    const counter = cellCounter({ name: 'u_total', help: 'u', registers: [] });
    counter.cell().n += 2;
    counter.cell().n++;
    expect((await counter.get()).values[0]!.value).toBe(3);
  });
});

describe('the log line', () => {
  it('is the JSON of { time, event, ...fields }', () => {
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line));
    log('request', { status: 200, nested: { a: [1, 'two'] }, quote: 'say "hi"\n' });
    log('empty');
    log('empty fields', {});
    const [full, empty, emptyFields] = lines.map((line) => JSON.parse(line));
    expect(full).toEqual({ time: expect.any(String), event: 'request', status: 200, nested: { a: [1, 'two'] }, quote: 'say "hi"\n' });
    expect(Object.keys(full)).toEqual(['time', 'event', 'status', 'nested', 'quote']);
    expect(Date.parse(full.time)).toBeGreaterThan(Date.now() - 60_000);
    expect(new Date(full.time).toISOString()).toBe(full.time);
    expect(empty).toEqual({ time: expect.any(String), event: 'empty' });
    expect(emptyFields).toEqual({ time: expect.any(String), event: 'empty fields' });
  });
});
