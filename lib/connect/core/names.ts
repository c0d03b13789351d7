/**
 * The default name of a target in its variables: its construct id in upper snake case.
 *
 * Words split at a lower-to-upper change and at the end of an acronym; digits stay with the word before
 * them; any other character becomes `_`.
 */
export function upperSnakeCase(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}
