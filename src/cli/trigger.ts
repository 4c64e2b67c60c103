import { runTriggerCli } from './trigger-commands.ts';

/** `npm run trigger -- snaptrade broken --user u1 --connection c1`, `--list`, `--scenario FILE`: see usage in trigger-commands.ts. */
process.exitCode = await runTriggerCli(process.argv.slice(2), {
  env: process.env,
  out: (text) => console.log(text),
  err: (text) => console.error(text),
});
