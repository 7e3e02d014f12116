/** Shapes of parsed JSON that every loader checks. */

export type Json = unknown;

/** A JSON object (not null, not an array). */
export function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The string entries of an object (tags, labels), or undefined when there are none. */
export function stringMap(value: Json): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}
