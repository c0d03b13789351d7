/**
 * Secrets Manager's GetSecretValue, for the functions the harness runs, in its wire protocol (AWS JSON 1.1, `X-Amz-Target:
 * secretsmanager.GetSecretValue`), from the harness's secrets (those it was given and those the stacks create).
 */
import { randomUUID } from 'node:crypto';
import type { FakeResponse, RecordedRequest } from '../../support/fake-aws';
import type { SecretStore } from './cloudformation';

const AMZ_JSON_1_1 = 'application/x-amz-json-1.1';

export function secretsManagerRoute(secrets: SecretStore): (request: RecordedRequest) => FakeResponse | undefined {
  return (request) => {
    const header = request.headers['x-amz-target'];
    const operation = /^secretsmanager\.(\w+)$/.exec((Array.isArray(header) ? header[0] : header) ?? '')?.[1];
    if (!operation) return undefined;
    if (operation !== 'GetSecretValue') return answer(400, { __type: 'UnknownOperationException', message: `the harness does not emulate secretsmanager.${operation}` });
    const { SecretId: id } = JSON.parse(request.body.toString('utf8'));
    const value = secrets.get(id);
    if (value === undefined) return answer(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
    const arn = id.startsWith('arn:') ? id : secrets.arnOf(id) ?? id;
    const name = /:secret:(.+?)(?:-[A-Za-z0-9]{6})?$/.exec(arn)?.[1] ?? id;
    return answer(200, { ARN: arn, Name: name, SecretString: value, VersionId: randomUUID(), VersionStages: ['AWSCURRENT'], CreatedDate: 1_704_067_200 });
  };
}

function answer(status: number, body: unknown): FakeResponse {
  return { status, headers: { 'content-type': AMZ_JSON_1_1 }, body: JSON.stringify(body) };
}
