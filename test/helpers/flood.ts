/** Sends `count` requests, `concurrency` at a time (a bounded flood); answers the slowest one's time in ms. */
export async function flood(count: number, concurrency: number, send: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  let slowest = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const started = performance.now();
        await send(i);
        slowest = Math.max(slowest, performance.now() - started);
      }
    }),
  );
  return slowest;
}
