export * from './deployment-script';
export * from './run-policy';
export * from './script-trigger';
