import { TargetAdapter } from '../adapter';

/** The adapters of this family, tried in order. */
export const ADAPTERS: TargetAdapter[] = [];
