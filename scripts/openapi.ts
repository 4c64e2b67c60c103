// `npm run openapi`: writes openapi.json, the contract of the receiver with every optional route on,
// from the same routes and schemas the receiver serves (GET /openapi.json). `--check` only compares.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src/http/openapi/document.ts';
import { referenceApp } from '../src/http/openapi/reference-app.ts';

const file = join(import.meta.dirname, '..', 'openapi.json');
const reference = referenceApp();
const text = `${JSON.stringify(openApiDocument(reference.app), null, 2)}\n`;
await reference.close();

if (process.argv.includes('--check')) {
  if (readFileSync(file, 'utf8') !== text) {
    console.error('openapi.json is out of date: run npm run openapi');
    process.exit(1);
  }
} else {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
