/** Entry point of the bundle: wires main() to the real process. */
import { main } from './main.js';

export async function run(argv: readonly string[]): Promise<number> {
  try {
    return await main(argv, {
      stdout: (t) => process.stdout.write(t),
      stderr: (t) => process.stderr.write(t),
      cwd: process.cwd(),
      env: process.env,
      isTTY: Boolean(process.stdout.isTTY),
    });
  } catch (error) {
    // A bug in fedlint, not a user mistake: say so in one line, keep the trace behind an opt-in.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`fedlint: internal error: ${message}\n`);
    if (process.env['FEDLINT_DEBUG'] && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 2;
  }
}
