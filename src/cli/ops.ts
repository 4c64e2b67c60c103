import { runOpsCli } from './ops-commands.ts';

/** `npm run ops -- connections list --state broken`, and the rest: see usage in ops-commands.ts. */
process.exitCode = await runOpsCli(process.argv.slice(2), {
  env: process.env,
  out: (text) => console.log(text),
  err: (text) => console.error(text),
});
