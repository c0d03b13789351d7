import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { RESERVED_ENV_PREFIX } from '../../lambda-runtime/shared/consts';
import { TargetBinding } from '../connect';
import { validateEnvironmentKey } from './environment';
import { ScriptRef } from './script-ref';

/** The default prefix of the variables that `connectTo` sets. */
export const DEFAULT_VARIABLE_PREFIX = 'STP_';

/**
 * The ledger of a script's environment variable names: which are taken, by what (`environment`, a container's
 * secrets, a connectTo target), and the names of its connectTo targets. Each method checks everything before it
 * records anything, so a rejected call leaves the ledger as it was. The same ledger checks the props before the
 * script is created (a throwaway copy, replayed from the props) and records the script's variables afterwards.
 */
export class ScriptVariables {
  private readonly sources = new Map<string, string>();
  private readonly targetNames = new Map<string, string>();

  /**
   * @param script the script whose variables these are
   * @param prefix the `variablePrefix`, checked here
   */
  constructor(private readonly script: ScriptRef, private readonly prefix: string) {
    checkPrefix(script, prefix);
  }

  /** Takes a variable set otherwise than by connectTo (`environment`, `addEnvironment`, a container's secrets). */
  public claim(key: string, source: string): void {
    const previous = this.sources.get(key);
    if (previous !== undefined && previous !== source) {
      this.script.fail(`environment variable '${key}' is already set by ${previous}. Choose another name.`);
    }
    validateEnvironmentKey(this.script, key, previous === undefined ? {} : { [key]: '' });
    this.sources.set(key, source);
  }

  /**
   * Takes the variables of a connectTo target named `name`, after checking the name, the VPC the target lives in
   * against `vpc` (the script's) and each variable. Returns the variables, prefixed, for the caller to set.
   * A binding's `runTimeCredentials.fromSecret` variables are checked and taken too.
   */
  public connect(target: IConstruct, binding: TargetBinding, name: string, vpc: ec2.IVpc | undefined): ConnectedVariables {
    const script: ScriptRef = this.script;
    const noun = script.noun;
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
      script.fail(`the name of connectTo target ${target.node.path} is '${name}'. Give a name in upper snake case starting with a letter, e.g. connectTo(target, { name: 'MAIN_DB' }).`);
    }
    const previous = this.targetNames.get(name);
    if (previous !== undefined) {
      script.fail(`connectTo targets ${previous} and ${target.node.path} have the same name '${name}'. `
        + 'Give one of them another name with connectTo(target, { name }).');
    }
    if (binding.vpc) {
      if (!vpc) {
        script.fail(`connectTo target ${target.node.path} (${binding.kind}) lives in a VPC, and the ${noun} does not. `
          + `List it in the 'connectTo' prop, so that the ${noun} joins its VPC, or give the ${noun} 'vpc'.`);
      }
      if (vpc.vpcId !== binding.vpc.vpcId) {
        script.fail(`connectTo target ${target.node.path} (${binding.kind}) lives in ${binding.vpc.node.path}, and the ${noun} runs in ${vpc.node.path}. `
          + `Run the ${noun} in the VPC of the targets it connects to.`);
      }
    }
    const nameOf = (variable: string) => `${this.prefix}${name}_${variable}`;
    const variables = Object.entries(binding.variables ?? {}).map(([variable, value]): [string, string] => [nameOf(variable), value]);
    const fromSecret = Object.keys(binding.runTimeCredentials?.fromSecret ?? {}).map(nameOf);
    for (const key of [...variables.map(([key]) => key), ...fromSecret]) {
      const source = this.sources.get(key);
      if (source !== undefined) {
        script.fail(`variable '${key}' of connectTo target ${target.node.path} is already set by ${source}. `
          + 'Rename the environment variable, give the target another name with connectTo(target, { name }), or change variablePrefix.');
      }
      validateEnvironmentKey(this.script, key, {});
    }
    this.targetNames.set(name, target.node.path);
    for (const key of [...variables.map(([key]) => key), ...fromSecret]) { this.sources.set(key, `connectTo target ${target.node.path}`); }
    return { environment: variables, nameOf };
  }
}

/** The variables of a connected target: its environment, prefixed, and how its other variables are named. */
export interface ConnectedVariables {
  readonly environment: Array<[string, string]>;
  /** The full name of one of the target's variables (`ARN` → `STP_<NAME>_ARN`). */
  readonly nameOf: (variable: string) => string;
}

/** Checks `variablePrefix`: every variable it starts must be a name the script's code accepts. */
function checkPrefix(script: ScriptRef, prefix: string): void {
  const fail = (problem: string): never => script.fail(`'variablePrefix' is ${JSON.stringify(prefix)}, ${problem}. `
    + `Give letters, digits and underscores starting with a letter (the default is '${DEFAULT_VARIABLE_PREFIX}'), or '' for none.`);
  if (prefix === '') { return; }
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(prefix)) {
    fail('which cannot start an environment variable name');
  }
  if (prefix.startsWith(RESERVED_ENV_PREFIX)) {
    fail(`which starts with '${RESERVED_ENV_PREFIX}', reserved for this library`);
  }
  if (script.lambda && prefix.startsWith('AWS_')) {
    fail("which starts with 'AWS_', reserved by AWS Lambda");
  }
}
