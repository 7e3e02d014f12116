#!/usr/bin/env node
import { run } from '../dist/cli.js';

const code = await run(process.argv.slice(2));
process.exitCode = code;
// The report is written. What may still hold the event loop is not ours to wait for: after a fatal error
// `fedlint aws` leaves the AWS SDK retrying its other calls, with back-off timers, for a minute or more.
// Leave once what was written to stdout and stderr has been handed over (pipes are asynchronous on macOS).
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
process.exit(code);
