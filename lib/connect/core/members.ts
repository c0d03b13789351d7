/**
 * Whether `target` has the given properties (present, even as getters that would throw) and methods.
 *
 * Targets are recognised by their interface members, never with `instanceof` of an L2 class: an imported
 * reference (`Bucket.fromBucketName`) is another class, and a second copy of aws-cdk-lib in `node_modules`
 * makes `instanceof` fail even for the L2 itself.
 */
export function hasMembers(target: unknown, properties: string[], methods: string[] = []): boolean {
  if (target === null || typeof target !== 'object') { return false; }
  const t = target as Record<string, unknown>;
  return properties.every((p) => p in t) && methods.every((m) => typeof t[m] === 'function');
}

/**
 * The value of a member that may be absent or a getter that throws (the getters of imported references
 * throw when the attribute was not given).
 */
export function tryMember<T>(target: unknown, name: string): T | undefined {
  try {
    return (target as Record<string, unknown>)[name] as T | undefined;
  } catch {
    return undefined;
  }
}
