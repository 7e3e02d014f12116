/**
 * The baseline of `npm run bench`: what reading the same inputs costs Node itself. Every `.json` file under
 * the paths given is read and JSON.parsed; a `.tf` file is only read (there is no parser in Node to compare
 * with). Plain synchronous code, as a careful script would do it.
 *
 * Usage: node bench/baseline.mjs PATH...
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function visit(file) {
  if (statSync(file).isDirectory()) {
    for (const name of readdirSync(file)) visit(path.join(file, name));
  } else if (file.endsWith('.json')) {
    JSON.parse(readFileSync(file, 'utf8'));
  } else if (file.endsWith('.tf')) {
    readFileSync(file, 'utf8');
  }
}

for (const arg of process.argv.slice(2)) visit(arg);
