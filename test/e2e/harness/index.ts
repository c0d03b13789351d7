/** The e2e harness: see harness.ts. Test code only, never shipped. */
export * from './assembly';
export * from './cloudformation';
export * from './harness';
export * from './lambda';
export * from './response-server';
export * from './step-functions';
