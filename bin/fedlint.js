#!/usr/bin/env node
import { run } from '../dist/cli.js';

// process.stderr is created on first use, and for a pipe that loads Node's networking code: a few ms of a
// run that writes nothing there (npm run bench, "one small policy file"). Note whether anything used it.
let stderrUsed = false;
const stderr = Object.getOwnPropertyDescriptor(process, 'stderr');
if (stderr?.get && stderr.configurable) {
  Object.defineProperty(process, 'stderr', {
    ...stderr,
    get() {
      stderrUsed = true;
      return stderr.get.call(this);
    },
  });
} else {
  stderrUsed = true;
}

const code = await run(process.argv.slice(2));
process.exitCode = code;
// The report is written. What may still hold the event loop is not ours to wait for: after a fatal error
// `fedlint aws` leaves the AWS SDK retrying its other calls, with back-off timers, for a minute or more.
// Leave once what was written to stdout and stderr has been handed over (pipes are asynchronous on macOS);
// stderr only when something wrote to it (or may have: it exists).
const streams = stderrUsed ? [process.stdout, process.stderr] : [process.stdout];
await Promise.all(streams.map((stream) => new Promise((resolve) => stream.write('', resolve))));
process.exit(code);
