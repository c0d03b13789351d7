/**
 * What a deployment script may do with a `connectTo` target.
 *
 * Each kind of target says what a level grants (the README's connectTo targets list them). A target that cannot
 * honour a level (an event bus can only be written to; a database's access is its user's, not IAM's) rejects it
 * at synth, naming the levels it has.
 */
export enum AccessLevel {
  /**
   * Read only: the target's read and describe actions, never a write or a delete (a bucket's objects are listed
   * and read, a table's items read, queried and scanned).
   */
  READ = 'READ',

  /** Read and write: everything `connectTo` gives a target, the default. */
  READ_WRITE = 'READ_WRITE',
}
