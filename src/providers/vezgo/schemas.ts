import { z } from 'zod';

/** Vezgo's two hooks, as its webhook reference documents them. */
const id = z.string().min(1).max(256);
const user = z.object({ id, loginName: z.string().min(1).max(512) });
const account = z.object({ id, provider: z.string().min(1).max(128) });

export const vezgoHookSchema = z.discriminatedUnion('hook', [
  z.object({ hook: z.literal('SyncAccount'), user, account }),
  z.object({ hook: z.literal('SyncError'), user, account, error: z.string().min(1).max(128) }),
]);

export type VezgoHook = z.infer<typeof vezgoHookSchema>;

export const vezgoHookNames: ReadonlySet<string> = new Set(vezgoHookSchema.options.map((option) => option.shape.hook.value));
