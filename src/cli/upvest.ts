import { runUpvestCli } from './upvest-commands.ts';

/** `npm run upvest -- webhooks list | get | create | update | delete | test | keys` */
process.exitCode = await runUpvestCli(process.argv.slice(2), {
  env: process.env,
  out: (text) => console.log(text),
  err: (text) => console.error(text),
});
