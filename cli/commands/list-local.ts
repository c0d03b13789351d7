/**
 * `list --local`: the deployment scripts and container tasks of a synthesized cloud assembly (cdk.out), and what a local
 * run of each needs.
 */
import { PROP_PARAMETERS, SCRIPT_HANDLER_ENV } from '../../lambda-runtime/shared/consts';
import type { ListOptions } from '../args';
import { localRegion, localResolver, readAssembly, selectStacks } from '../assembly';
import { localContainer } from '../container-local';
import { CliError, EXIT_OK } from '../errors';
import { isCredentialsShim } from '../lambda-local';
import { info, type Io, table, toStdout } from '../output';
import { findScripts, isObject, localParameters, resolveString, unresolvedPaths } from '../template';

export function listLocal(options: ListOptions, stdio: Io): number {
  const io = toStdout(stdio);
  const stacks = selectStacks(readAssembly(options.app), options.stack, options.app);
  const rows = stacks.flatMap((stack) => {
    const resolver = localResolver(stack, localRegion(options, stack));
    return findScripts(stack.template).map((script) => {
      const resource = script.functionLogicalId ? stack.template.Resources?.[script.functionLogicalId] : undefined;
      const props = resource?.Properties ?? {};
      const variables = isObject(props.Environment) && isObject(props.Environment.Variables) ? props.Environment.Variables : {};
      let unresolvedEnv = Object.entries(variables).filter(([, v]) => resolveString(v, resolver) === undefined).map(([k]) => k);
      let image: string | undefined;
      if (script.kind === 'task') {
        try {
          const container = localContainer(stack, script, resolver);
          image = container.buildDir ? `(asset) ${container.buildDir}` : container.image;
          unresolvedEnv = [...container.unresolved.keys()];
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
        }
      }
      let unresolvedParams: string[];
      try {
        const parameters = localParameters(script.properties[PROP_PARAMETERS], resolver, script.id);
        unresolvedParams = unresolvedPaths(parameters.value, parameters.unresolved).map((p) => p.path);
      } catch {
        unresolvedParams = ['(not JSON)'];
      }
      return {
        stack: stack.displayName,
        id: script.id,
        logicalId: script.logicalId,
        kind: script.kind,
        trigger: script.trigger,
        runtime: script.kind === 'task' ? 'container' : typeof props.Runtime === 'string' ? props.Runtime : undefined,
        // The script's own handler, not the credentials shim that calls it in Lambda (and that a local run skips).
        handler: isCredentialsShim(props.Handler) && typeof variables[SCRIPT_HANDLER_ENV] === 'string' ? variables[SCRIPT_HANDLER_ENV] as string
          : typeof props.Handler === 'string' ? props.Handler : undefined,
        ...(image ? { image } : {}),
        timeoutSeconds: script.kind === 'task' ? script.timeoutSeconds : typeof props.Timeout === 'number' ? props.Timeout : undefined,
        unresolvedEnvironment: unresolvedEnv,
        unresolvedParameters: unresolvedParams,
      };
    });
  });
  if (options.json) {
    io.stdout.write(JSON.stringify({ app: options.app, scripts: rows }, null, 2) + '\n');
    return EXIT_OK;
  }
  if (rows.length === 0) {
    info(io, `${options.app} has no deployment scripts nor container tasks.`);
    return EXIT_OK;
  }
  io.stdout.write(table(
    ['STACK', 'SCRIPT', 'KIND', 'LOGICAL ID', 'TRIGGER', 'RUNTIME', 'HANDLER / IMAGE', 'NEEDS (--env / --param)'],
    rows.map((r) => [r.stack, r.id, r.kind, r.logicalId, r.trigger, r.runtime ?? '?', r.image ?? r.handler ?? '?',
      [...r.unresolvedEnvironment.map((k) => `--env ${k}`), ...r.unresolvedParameters.map((p) => `--param ${p}`)].join(' ') || '-']),
  ));
  return EXIT_OK;
}
