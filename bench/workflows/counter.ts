import { condition, defineSignal, setHandler } from '@temporalio/workflow';

/** The product's signal name and payload, so the ceiling pays for the same bytes. */
export const counted = defineSignal<[unknown]>('connectionEvent');

/** The ceiling of the apply bench: a workflow that does nothing with a signal but count it, done at `expected`. */
export async function counterWorkflow(expected: number): Promise<number> {
  let count = 0;
  setHandler(counted, () => {
    count += 1;
  });
  await condition(() => count >= expected);
  return count;
}
