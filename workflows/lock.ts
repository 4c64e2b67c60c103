/**
 * Runs steps one at a time: the event loop and update handlers both move the connection's state,
 * and each step awaits activities, so without this their changes could interleave.
 */
export function createLock(): <T>(step: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(step: () => Promise<T>) => {
    const run = tail.then(step);
    tail = run.catch(() => undefined);
    return run;
  };
}
