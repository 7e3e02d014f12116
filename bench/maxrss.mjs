/**
 * Preloaded (`node --import`) into the memory runs of `npm run bench`, for fedlint and for the baselines
 * alike: at exit it appends the process's peak resident set size, in bytes, to the file named by
 * FEDLINT_BENCH_RSS_FILE. The timed runs do not load it.
 */
import { appendFileSync } from 'node:fs';

const out = process.env['FEDLINT_BENCH_RSS_FILE'];
if (out) {
  // resourceUsage().maxRSS is in kilobytes.
  process.on('exit', () => appendFileSync(out, `${process.resourceUsage().maxRSS * 1024}\n`));
}
