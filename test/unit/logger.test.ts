import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { createLogger, terminalDestination } from '../../src/logger.ts';

function capture(isTTY: boolean) {
  const output = Object.assign(new PassThrough(), { isTTY });
  const chunks: string[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  return { output, text: () => stripVTControlCharacters(chunks.join('')) };
}

test('at a terminal, log lines are human-readable', () => {
  const { output, text } = capture(true);
  createLogger('info', terminalDestination(output)).info({ connectionId: 'c1' }, 'connection event applied');
  assert.match(text(), /INFO.*connection event applied/);
  assert.match(text(), /connectionId: "c1"/);
  assert.throws(() => JSON.parse(text()));
});

test('anywhere else, nothing is prettified and pino writes JSON', () => {
  const { output } = capture(false);
  assert.equal(terminalDestination(output), undefined);
});

test('secrets that reach a log line by accident are redacted in both forms', () => {
  const pretty = capture(true);
  createLogger('info', terminalDestination(pretty.output)).info({ body: { webhookSecret: 's3cret-value' } }, 'oops');
  assert.match(pretty.text(), /oops/);
  assert.doesNotMatch(pretty.text(), /s3cret-value/);

  const lines: string[] = [];
  const json = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  createLogger('info', json).info({ body: { webhookSecret: 's3cret-value' } }, 'oops');
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]!).body.webhookSecret, '[redacted]');
});
