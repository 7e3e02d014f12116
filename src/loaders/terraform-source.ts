/**
 * Terraform source (.tf): each module is read statically by the HCL engine (src/loaders/hcl) into the same
 * resource view a plan gives, then lowered by the same per-cloud code, so every rule applies unchanged.
 * Imported only when the inputs hold .tf files: it loads web-tree-sitter.
 */
import type { DiscoveredModule } from '../discover/index.js';
import type { Location } from '../model/types.js';
import { loadTerraformSources, locateBlocks, type SourceRoot } from './hcl/index.js';
import type { LoadedInput } from './index.js';
import { lowerPlanView } from './terraform-plan.js';

export interface SourcesResult {
  /** One input per root module. */
  inputs: LoadedInput[];
  /** What the engine left unknown, for the text report's notes. */
  unresolved: Array<{ at: Location; message: string }>;
  /** Display paths of every file the modules read (.tf, tfvars, file() targets). */
  filesRead: string[];
}

/** `linkRoots`: the paths given to lint; a `.tf` link that leads outside them is not followed. */
export async function loadSources(modules: readonly DiscoveredModule[], options: { varFiles: string[]; cwd: string; linkRoots?: readonly string[] }): Promise<SourcesResult> {
  const roots: SourceRoot[] = modules.map((m) => ({ absolute: m.absolute, display: m.display }));
  const loads = await loadTerraformSources(roots, options);
  const result: SourcesResult = { inputs: [], unresolved: [], filesRead: [] };
  for (const load of loads) {
    const lowered = lowerPlanView(load.view);
    const input: LoadedInput = {
      file: load.root.display,
      displayName: load.root.display,
      kind: 'terraform-hcl',
      bindings: lowered.bindings,
      credentials: lowered.credentials ?? [],
      problems: [...load.problems, ...lowered.problems],
      errors: [],
    };
    if (lowered.gcp) input.gcp = lowered.gcp;
    result.inputs.push(input);
    result.unresolved.push(...load.unresolved);
    result.filesRead.push(...load.files.map((f) => f.display));
  }
  return result;
}

/** Where the resource blocks of the module at `dir` are written, by configuration address. */
export function sourceBlocks(dir: DiscoveredModule): Promise<Map<string, Location>> {
  return locateBlocks({ absolute: dir.absolute, display: dir.display });
}
