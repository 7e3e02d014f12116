/** Shapes of parsed JSON that every loader checks. */

export type Json = unknown;

/** A JSON object (not null, not an array). */
export function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
