/** `list --stack S`: the deployment scripts and container tasks of a deployed stack. */
import type { ListOptions } from '../args';
import { Aws, regionOfArn } from '../aws';
import { PROP_PARAMETERS } from '../../lambda-runtime/shared/consts';
import { type DeployedStack, functionName, readRecord, readStack, type RecordState } from '../deployed';
import { CliError, EXIT_OK } from '../errors';
import { info, type Io, style, table, toStdout } from '../output';
import { parametersMatch, type ScriptDefinition } from '../template';

/** One script, as `list --json` prints it. */
export interface ListedScript {
  readonly id: string;
  readonly logicalId: string;
  /** `script` (a Lambda function) or `task` (a container task). */
  readonly kind: string;
  readonly trigger: string;
  readonly runPolicy?: string;
  readonly functionName?: string;
  /** A task's deployed task definition (its ARN). */
  readonly taskDefinition?: string;
  readonly physicalId?: string;
  /** The custom resource's status: that of the script's last deployment. */
  readonly status?: string;
  readonly statusReason?: string;
  readonly lastUpdated?: string;
  /** Whether `run` finds the parameters of the last deployment: recorded, too large, not recorded, unknown. */
  readonly parameters: string;
}

export async function list(options: ListOptions, stdio: Io): Promise<number> {
  const io = toStdout(stdio);
  const aws = new Aws({ profile: options.profile, region: options.region ?? regionOfArn(options.stack!) });
  try {
    const stack = await readStack(aws, options.stack!);
    const scripts: ListedScript[] = await Promise.all(stack.scripts.map(async (script) => {
      const resource = stack.resources.get(script.logicalId);
      const physicalId = resource?.PhysicalResourceId;
      let parameters = 'not deployed';
      if (physicalId) {
        try {
          parameters = describeRecord(await readRecord(aws, stack, physicalId), stack, script);
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
          parameters = `unknown (${/access denied/.test(error.message) ? 'no ssm:GetParameter' : error.message.split(':')[0]})`;
        }
        // Without a record to use, run resolves a task's parameters from the deployed template.
        if (script.kind === 'task' && parameters !== 'recorded') parameters = 'from template';
      }
      return {
        id: script.id,
        logicalId: script.logicalId,
        kind: script.kind,
        trigger: script.trigger,
        runPolicy: script.runPolicy,
        functionName: functionName(stack, script),
        taskDefinition: script.taskDefinitionLogicalId ? stack.resources.get(script.taskDefinitionLogicalId)?.PhysicalResourceId : undefined,
        physicalId,
        status: resource?.ResourceStatus,
        statusReason: resource?.ResourceStatusReason,
        lastUpdated: resource?.LastUpdatedTimestamp?.toISOString(),
        parameters,
      };
    }));

    if (options.json) {
      io.stdout.write(JSON.stringify({
        stack: { name: stack.stackName, id: stack.stackId, status: stack.status, region: stack.region },
        scripts,
      }, null, 2) + '\n');
      return EXIT_OK;
    }
    if (scripts.length === 0) {
      info(io, `Stack ${stack.stackName} (${stack.status}) has no deployment scripts nor container tasks.`);
      return EXIT_OK;
    }
    info(io, style(io, 'bold', `Deployment scripts of ${stack.stackName}`) + style(io, 'dim', ` (${stack.status}, ${stack.region})`));
    io.stdout.write(table(
      ['SCRIPT', 'KIND', 'LOGICAL ID', 'TRIGGER', 'RUNS', 'STATUS', 'UPDATED', 'PARAMETERS'],
      scripts.map((s) => [s.id, s.kind, s.logicalId, s.trigger, runs(s), s.status ?? 'not deployed', shortTime(s.lastUpdated), s.parameters]),
    ));
    const failed = scripts.filter((s) => s.statusReason && /FAILED/.test(s.status ?? ''));
    for (const s of failed) {
      const reason = s.statusReason!.split('\n');
      info(io, `\n${style(io, 'red', `${s.id}: ${s.status}`)}: ${reason[0]}${reason.length > 1 ? `\n  ${reason.slice(1, 8).join('\n  ')}` : ''}`);
    }
    return EXIT_OK;
  } finally {
    aws.destroy();
  }
}

function describeRecord(state: RecordState, stack: DeployedStack, script: ScriptDefinition): string {
  switch (state.kind) {
    case 'recorded': return parametersMatch(script.properties[PROP_PARAMETERS], state.record.parameters, stack.resolver) ? 'recorded' : 'stale';
    case 'omitted': return state.why === 'too large' ? 'too large' : `omitted (${state.why})`;
    case 'old': return 'not recorded (older runtime)';
    case 'newer': return `unknown (record version ${state.version})`;
    case 'none': return 'not recorded';
    case 'unreadable': return 'unreadable';
  }
}

/** What runs the script: its function's name, or its task definition as `family:revision`. */
function runs(script: ListedScript): string {
  if (script.kind === 'task') return script.taskDefinition?.split('/').pop() ?? '?';
  return script.functionName ?? '?';
}

function shortTime(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z') : '-';
}
