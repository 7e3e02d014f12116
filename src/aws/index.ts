/**
 * `fedlint aws`: the live-account scanner. The CLI imports this module only for that command, so the AWS
 * SDK is never loaded by the other commands (design.md §3).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createIamClient, type ClientOptions } from './client.js';
import { toInputs, VIRTUAL_BASE, type AwsInputs } from './inputs.js';
import { scanAccount, type ScanOptions, type ScanResult } from './scan.js';

export { FatalScanError } from './scan.js';

export interface AwsScanRequest extends ClientOptions, ScanOptions {
  /** Write every role read as a get-role JSON file under this directory (absolute), and point findings there. */
  saveDir?: string | undefined;
  /** How the save directory is shown (relative to the working directory when it is inside it). */
  saveDisplay?: string | undefined;
}

export interface AwsScan extends AwsInputs {
  /** Roles read. */
  roles: number;
}

/**
 * Scan the account the credentials belong to. Throws FatalScanError (one line, for the user) when the
 * scan cannot be made at all, and an Error naming the file when `--save` cannot write.
 */
export async function scanAws(request: AwsScanRequest): Promise<AwsScan> {
  const client = await createIamClient(request);
  let scan: ScanResult;
  try {
    scan = await scanAccount(client, request);
  } finally {
    client.destroy();
  }
  const base = request.saveDir ? (request.saveDisplay ?? request.saveDir) : VIRTUAL_BASE;
  const inputs = toInputs(scan, base);
  if (request.saveDir) {
    for (const doc of inputs.documents) {
      const target = path.join(request.saveDir, ...doc.rel.split('/'));
      try {
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, doc.text);
      } catch (error) {
        throw new SaveError(`cannot write ${doc.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
    }
  }
  return { ...inputs, roles: scan.roles.length };
}

/** `--save` could not write a file. */
export class SaveError extends Error {}
