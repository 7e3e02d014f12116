/**
 * Preloaded with `node --import` by test/safety.test.ts: every way Node offers to reach the network, to run
 * another program or to write a file is replaced by a wrapper that records the attempt in the file named by
 * FEDLINT_TRIPWIRE (one line each). Network and process attempts then fail as an unplugged machine would;
 * writes are recorded and let through, so that the test can compare them with what the user asked for.
 */
import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import dns from 'node:dns';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';

// Opened before anything is wrapped, and written with writeSync (which is not): Node's own appendFileSync
// goes through fs.openSync and fs.writeFileSync, so calling it from a wrapper would call the wrapper again.
const log = process.env.FEDLINT_TRIPWIRE ? fs.openSync(process.env.FEDLINT_TRIPWIRE, 'a') : undefined;

function record(what) {
  if (log !== undefined) fs.writeSync(log, `${what}\n`);
}

function block(owner, name, what) {
  const original = owner[name];
  if (typeof original !== 'function') return;
  owner[name] = function blocked() {
    record(`${what}.${name}`);
    const error = new Error(`${what}.${name} is not allowed here`);
    error.code = 'ENETUNREACH';
    throw error;
  };
}

for (const name of ['connect', 'createConnection']) block(net, name, 'net');
block(net.Socket.prototype, 'connect', 'net.Socket');
block(tls, 'connect', 'tls');
for (const name of ['request', 'get']) {
  block(http, name, 'http');
  block(https, name, 'https');
}
block(dgram, 'createSocket', 'dgram');
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  block(dns, name, 'dns');
  block(dns.promises, name, 'dns.promises');
}
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) block(childProcess, name, 'child_process');
if (typeof globalThis.fetch === 'function') {
  globalThis.fetch = function blockedFetch(input) {
    record('fetch');
    return Promise.reject(new TypeError(`fetch ${String(input)} is not allowed here`));
  };
}

/** Writes go through: recorded with the path they touch. */
function watch(owner, name, what) {
  const original = owner[name];
  if (typeof original !== 'function') return;
  owner[name] = function watched(target, ...rest) {
    // A numeric descriptor was opened earlier, and the open was recorded if it was for writing.
    if (typeof target !== 'number') record(`write ${what}.${name} ${target instanceof URL ? target.pathname : String(target)}`);
    return original.call(this, target, ...rest);
  };
}

const WRITERS = ['writeFile', 'appendFile', 'mkdir', 'rm', 'rmdir', 'unlink', 'rename', 'copyFile', 'cp', 'chmod', 'chown', 'truncate', 'symlink', 'link', 'utimes', 'mkdtemp'];
for (const name of WRITERS) {
  watch(fs, name, 'fs');
  watch(fs, `${name}Sync`, 'fs');
  watch(fsp, name, 'fs/promises');
}
watch(fs, 'createWriteStream', 'fs');

/** Opening for anything but reading counts as a write. */
function watchOpen(owner, name, what) {
  const original = owner[name];
  owner[name] = function watchedOpen(target, flags, ...rest) {
    const reading = flags === undefined || flags === 'r' || (typeof flags === 'number' && (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) === 0);
    if (!reading) record(`write ${what}.${name} ${String(target)}`);
    return original.call(this, target, flags, ...rest);
  };
}
watchOpen(fs, 'open', 'fs');
watchOpen(fs, 'openSync', 'fs');
watchOpen(fsp, 'open', 'fs/promises');

syncBuiltinESMExports();
