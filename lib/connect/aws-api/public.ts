// The constructs of the AWS-API connection targets that users create themselves.
export * from './batch-job-target';
export * from './custom-target';
export * from './ses-access';
export * from './user-pool-target';
