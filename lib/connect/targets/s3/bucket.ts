import * as s3 from 'aws-cdk-lib/aws-s3';
import { byAccess, READ_OR_WRITE, TargetAdapter } from '../../core/adapter';
import { allow, keyGrant } from '../../core/iam';
import { hasMembers } from '../../core/members';

/** On the bucket itself: listing is a bucket action. */
export const BUCKET_ACTIONS = ['s3:ListBucket'];

/**
 * On the bucket's objects (`<arn>/*`): get, put, delete and tag objects. `AbortMultipartUpload` goes with
 * put: the SDK's managed upload (`@aws-sdk/lib-storage`, boto3's `upload_file`) aborts a failed multipart
 * upload, which is a separate action from `PutObject`.
 */
export const OBJECT_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:AbortMultipartUpload',
  's3:GetObjectTagging',
  's3:PutObjectTagging',
  's3:DeleteObjectTagging',
];

/** With SSE-KMS: S3 generates a data key to put an object and decrypts it to get one. */
export const KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];

/** Read only (`AccessLevel.READ`), on the bucket's objects: get objects and their tags. */
export const READ_OBJECT_ACTIONS = ['s3:GetObject', 's3:GetObjectTagging'];

/** Read only, on a customer-managed key: decrypting what is got. */
export const READ_KEY_ACTIONS = ['kms:Decrypt'];

export const BUCKET_ADAPTER: TargetAdapter = {
  kind: 'S3 bucket (s3.IBucket)',
  matches: (target) => hasMembers(target, ['bucketArn', 'bucketName'], ['arnForObjects']),
  levels: () => READ_OR_WRITE,
  bind: (target, _script, access) => {
    const bucket = target as s3.IBucket;
    return {
      kind: 'S3 bucket',
      statements: [
        allow(BUCKET_ACTIONS, [bucket.bucketArn]),
        allow(byAccess(access, READ_OBJECT_ACTIONS, OBJECT_ACTIONS), [bucket.arnForObjects('*')]),
      ],
      grant: keyGrant(bucket.encryptionKey, byAccess(access, READ_KEY_ACTIONS, KEY_ACTIONS)),
      variables: { NAME: bucket.bucketName, ARN: bucket.bucketArn },
    };
  },
};
