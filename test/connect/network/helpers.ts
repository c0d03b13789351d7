import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Stack } from 'aws-cdk-lib';

/** The function of the script at `path`: the one described as that deployment script. */
export function scriptFunction(template: Template, path = 'Stack/Script'): { id: string; properties: any } {
  const functions = Object.entries(template.findResources('AWS::Lambda::Function'))
    .filter(([, r]) => String(r.Properties?.Description ?? '').startsWith(`cdk-deployment-script: ${path} (`));
  if (functions.length !== 1) { throw new Error(`expected one script function, found ${functions.length}`); }
  return { id: functions[0][0], properties: functions[0][1].Properties };
}

/** The script's environment variables as in the template. */
export function variables(template: Template): Record<string, unknown> {
  return scriptFunction(template).properties.Environment?.Variables ?? {};
}

/** The script's variables with the given prefix (`STP_MY_DATABASE_`), rendered, without the prefix. */
export function targetVariables(template: Template, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables(template))) {
    if (key.startsWith(prefix)) { out[key.slice(prefix.length)] = render(value); }
  }
  return out;
}

/**
 * A CloudFormation value as readable text: `Fn::Join` joined, `{ Ref: X }` as `${X}`, `Fn::GetAtt` as
 * `${X.Attr}`. Tests compare it with the logical ids they look up, never hard-coded hashes.
 */
export function render(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') { return String(value); }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, any>;
    if ('Ref' in v) { return `\${${v.Ref}}`; }
    if ('Fn::GetAtt' in v) { return `\${${v['Fn::GetAtt'][0]}.${v['Fn::GetAtt'][1]}}`; }
    if ('Fn::Join' in v) { return (v['Fn::Join'][1] as unknown[]).map(render).join(v['Fn::Join'][0]); }
  }
  return JSON.stringify(value);
}

/** The logical id of the only resource of `type`. */
export function onlyId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) { throw new Error(`expected one ${type}, found ${ids.length}: ${ids.join(', ')}`); }
  return ids[0];
}

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
export function idStartingWith(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) { throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.length}: ${ids.join(', ')}`); }
  return ids[0];
}

/** The dynamic reference to a key of the secret whose ARN `secretArn` renders to. */
export function secretRef(secretArn: string, key: string): string {
  return `{{resolve:secretsmanager:${secretArn}:SecretString:${key}::}}`;
}

/** The messages of the warnings of `stack` with the given id. */
export function warnings(stack: Stack, id: string): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue())
    .map((w) => String(w.entry.data))
    .filter((m) => m.includes(`[ack: ${id}]`));
}
