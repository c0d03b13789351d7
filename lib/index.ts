export * from './deployment-script-options';
export * from './deployment-script-base';
export * from './deployment-script';
export * from './deployment-task';
export * from './python-bundling-options';
export * from './run-policy';
export * from './script-trigger';
export * from './connect/public';
