/**
 * CloudFormation's part in a deployment, for one stack: the order it processes resources in, the stack
 * statuses it goes through, rollbacks and cleanups, and the custom resource requests it sends, as
 * CloudFormation sends them:
 *
 * - create: `CREATE_IN_PROGRESS`, resources in dependency order; on a failure `ROLLBACK_IN_PROGRESS`, what was
 *   created deleted in reverse order (the failed custom resource too, with the physical id its answer gave),
 *   then `ROLLBACK_COMPLETE`;
 * - update: `UPDATE_IN_PROGRESS`, new resources created and changed ones updated in dependency order (a
 *   custom resource gets `Update` with `OldResourceProperties`); on a failure `UPDATE_ROLLBACK_IN_PROGRESS`
 *   (what was updated, the failed resource included, gets `Update` back to its old properties, old and new
 *   swapped), `UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS` (what the update created is deleted),
 *   `UPDATE_ROLLBACK_COMPLETE`; else `UPDATE_COMPLETE_CLEANUP_IN_PROGRESS` (resources removed from the template
 *   and replaced physical resources are deleted, in reverse dependency order), `UPDATE_COMPLETE`;
 * - delete: `DELETE_IN_PROGRESS`, every resource in reverse dependency order, `DELETE_COMPLETE`.
 *
 * Custom resources the harness serves (deployment scripts by default) go to their service token's function
 * for real: the event is the one CloudFormation sends (properties as strings, a presigned-looking
 * `ResponseURL`), the function is invoked asynchronously, and its answer is taken from the HTTPS server and
 * checked as CloudFormation checks it (at most 4096 bytes, ids matching the request). An answer that does not come
 * within the resource's `ServiceTimeout` (the property as the template gives it; 3600 s without it) fails the
 * resource with CloudFormation's message, and a Create's rollback sends a Delete with a physical id CloudFormation
 * makes up: see `awaitAnswer`. Other resources get
 * physical ids and attributes of the right shape (see resource-types.ts), and tests can take part through
 * `onResource` (e.g. create a real database user). Sequential: where CloudFormation would work in parallel,
 * the harness takes the template's order.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AssemblyStack, Template, TemplateResource } from './assembly';
import { codeDirectory, readStack } from './assembly';
import { creationOrder, evaluateCondition, mapStrings, resolveValue, resourceDependencies, type ResolveContext } from './intrinsics';
import type { FunctionConfiguration, Invocation, LambdaEmulator } from './lambda';
import { generatePassword, physicalResource } from './resource-types';
import type { ReceivedResponse, ResponseServer } from './response-server';
import type { StepFunctionsEmulator } from './step-functions';
import type { FakeAws } from '../../support/fake-aws';

export type RequestType = 'Create' | 'Update' | 'Delete';

/** A custom resource request the harness sent, and what came back. */
export interface CustomResourceExchange {
  readonly logicalId: string;
  readonly resourceType: string;
  readonly requestType: RequestType;
  /** The stack's status when the request was sent (what DescribeStacks answered meanwhile). */
  readonly stackStatus: string;
  /** The event, as sent. */
  readonly request: Record<string, any>;
  /** The answer's body, parsed; absent when none came. */
  readonly response?: CustomResourceResponse;
  /** The answer's body, as received. */
  readonly body?: string;
  /** Its size in bytes. */
  readonly bytes?: number;
  /** Why CloudFormation could not use the answer, if it could not. */
  readonly problem?: string;
  /** The invocation of the service token's function. */
  readonly invocation: Invocation;
  /** Set when no answer came within the resource's `ServiceTimeout`: the seconds CloudFormation waited, its value. */
  readonly timedOutAfterSeconds?: number;
}

export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly NoEcho?: boolean;
  readonly Data?: Record<string, unknown>;
}

/** One line of the stack's events. */
export interface StackEvent {
  readonly logicalId: string;
  readonly resourceType: string;
  /** e.g. `CREATE_COMPLETE`, `UPDATE_FAILED`, `DELETE_SKIPPED`. */
  readonly status: string;
  readonly stackStatus: string;
  readonly reason?: string;
  /** When it happened, on the harness's clock (`LambdaEmulator.clock`, milliseconds since the epoch). */
  readonly timestamp?: number;
}

export interface OperationResult {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  /** The stack's status at the end, e.g. `CREATE_COMPLETE`, `ROLLBACK_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`. */
  readonly status: string;
  readonly exchanges: CustomResourceExchange[];
  readonly events: StackEvent[];
  /** The resource whose failure failed the operation, and the reason `cdk deploy` would print. */
  readonly failure?: { readonly logicalId: string; readonly reason: string };
  /** The exchanges of one resource, optionally of one request type. */
  exchangesOf(logicalId: string, requestType?: RequestType): CustomResourceExchange[];
}

export interface ResourceHookEvent {
  readonly action: RequestType;
  readonly logicalId: string;
  readonly type: string;
  /** The resource's properties, resolved (dynamic references too). */
  readonly properties: Record<string, any>;
  readonly oldProperties?: Record<string, any>;
  readonly physicalId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly stackStatus: string;
  readonly deletionPolicy?: string;
  readonly stack: DeployedStack;
}

export interface ResourceHookResult {
  readonly physicalId?: string;
  /** Attributes to add or replace (`Fn::GetAtt`). */
  readonly attributes?: Record<string, unknown>;
  /** Fails the resource with this reason. */
  readonly fail?: string;
}

export type ResourceHook = (event: ResourceHookEvent) => void | ResourceHookResult | Promise<void | ResourceHookResult>;

/** What a stack needs from the harness. */
export interface StackServices {
  readonly aws: FakeAws;
  readonly lambda: LambdaEmulator;
  readonly responses: ResponseServer;
  readonly secrets: SecretStore;
  /** The Provider framework's waiters: an asynchronous provider answers when its execution ends. */
  readonly stepFunctions: StepFunctionsEmulator;
  readonly defaults: { readonly region: string; readonly account: string };
  /** Where the harness keeps its files (removed when it closes). */
  readonly directory: string;
  ssmParameter(name: string): string | undefined;
  setSsmParameter(name: string, value: string): void;
  rewriteUrls(value: string): string;
  serves(resourceType: string, logicalId: string): boolean;
  /** Real milliseconds per second of a custom resource's `ServiceTimeout`; see `Harness.serviceTimeoutScale`. */
  serviceTimeoutScale?(): number | undefined;
  onResource(event: ResourceHookEvent): Promise<void | ResourceHookResult>;
}

interface ResourceState {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
  /** What `Ref` returns. */
  readonly ref: unknown;
  readonly attributes: Record<string, unknown>;
  /** The properties the resource was given, resolved. */
  readonly properties: Record<string, any>;
  readonly definition: TemplateResource;
}

class ResourceFailure extends Error {
  constructor(readonly logicalId: string, reason: string, readonly physicalId?: string) {
    super(reason);
  }
}

/** The secrets of the account: the harness's, and those the stacks create. */
export class SecretStore {
  private readonly secrets = new Map<string, { name: string; value: string }>();

  set(arn: string, name: string, value: string): void {
    this.secrets.set(arn, { name, value });
  }

  delete(arn: string): void {
    this.secrets.delete(arn);
  }

  /** The secret string of a secret, by ARN (complete or without its random suffix) or name. */
  get(id: string): string | undefined {
    const exact = this.secrets.get(id);
    if (exact) return exact.value;
    for (const [arn, secret] of this.secrets) {
      if (secret.name === id || arn.replace(/-[A-Za-z0-9]{6}$/, '') === id) return secret.value;
    }
    return undefined;
  }

  arnOf(name: string): string | undefined {
    return [...this.secrets].find(([, s]) => s.name === name)?.[0];
  }
}

/** How long an answer may take to arrive once the functions that could send it have ended (real time). */
const TIMEOUT_FOR_ANSWER_MS = 2000;
/** CloudFormation's wait for a custom resource without `ServiceTimeout`: an hour. */
const DEFAULT_SERVICE_TIMEOUT_SECONDS = 3600;

/** One stack, as CloudFormation keeps it between operations. */
export class DeployedStack {
  readonly stackName: string;
  readonly stackId: string;
  readonly region: string;
  readonly account: string;
  readonly partition = 'aws';
  /** Every operation, in order. */
  readonly operations: OperationResult[] = [];
  private status = 'REVIEW_IN_PROGRESS';
  private template?: Template;
  private source?: AssemblyStack;
  private readonly assemblyPath: string;
  private readonly resources = new TrackedMap<string, ResourceState>((id, state) => this.lastPhysicalIds.set(id, state.physicalId));
  private readonly lastPhysicalIds = new Map<string, string>();
  private current?: { exchanges: CustomResourceExchange[]; events: StackEvent[] };
  /** Whether a resource of the current operation failed. */
  private failed = false;

  constructor(private readonly services: StackServices, stack: AssemblyStack, options: { stackName?: string } = {}) {
    this.stackName = options.stackName ?? stack.stackName;
    this.region = stack.region ?? services.defaults.region;
    this.account = stack.account ?? services.defaults.account;
    this.stackId = `arn:${this.partition}:cloudformation:${this.region}:${this.account}:stack/${this.stackName}/${randomUUID()}`;
    this.source = stack;
    this.assemblyPath = stack.path;
  }

  /** The stack's status. */
  get stackStatus(): string {
    return this.status;
  }

  /** The physical id of a resource; for a deleted one, the last it had. */
  physicalId(logicalId: string): string {
    return this.resources.get(logicalId)?.physicalId ?? this.lastPhysicalIds.get(logicalId) ?? this.state(logicalId).physicalId;
  }

  /** An attribute of a resource (`Fn::GetAtt`); for a custom resource, a value of its answer's `Data`. */
  attribute(logicalId: string, attribute: string): unknown {
    return this.getAtt(logicalId, attribute);
  }

  /** The resolved properties a resource was given. */
  properties(logicalId: string): Record<string, any> {
    return this.state(logicalId).properties;
  }

  /** The logical ids of the resources that exist now. */
  resourceIds(): string[] {
    return [...this.resources.keys()];
  }

  /** The logical ids of the template's resources of a type. */
  resourcesOfType(type: string): string[] {
    return Object.entries(this.template?.Resources ?? this.source?.template.Resources ?? {}).filter(([, r]) => r.Type === type).map(([id]) => id);
  }

  /** The stack's outputs, resolved. */
  outputs(): Record<string, unknown> {
    const template = this.requireTemplate();
    const ctx = this.context(template, { dynamic: false });
    return Object.fromEntries(Object.entries(template.Outputs ?? {}).map(([k, o]) => [k, resolveValue(o.Value, ctx)]));
  }

  /** Creates the stack (the first `cdk deploy`). */
  async create(): Promise<OperationResult> {
    if (this.template) throw new Error(`stack ${this.stackName} exists (${this.status}): update or delete it`);
    const template = this.source!.template;
    return this.operation('CREATE', async (fail) => {
      this.setStatus('CREATE_IN_PROGRESS');
      this.template = template;
      const created: string[] = [];
      for (const id of this.activeOrder(template)) {
        try {
          await this.createResource(id, template);
          created.push(id);
        } catch (error) {
          const failure = asFailure(id, error);
          fail(failure);
          if (failure.physicalId !== undefined) this.setFailedPlaceholder(id, template, failure.physicalId);
          break;
        }
      }
      if (!this.failed) {
        this.setStatus('CREATE_COMPLETE');
        return;
      }
      this.setStatus('ROLLBACK_IN_PROGRESS');
      const failures = await this.deleteAll(this.activeOrder(template).filter((id) => this.resources.has(id)).reverse(), template);
      this.setStatus(failures > 0 ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE');
    });
  }

  /**
   * Deploys a new version of the stack (a later `cdk deploy`): the same stack of another synthesis
   * (`app.synth()`'s result or a cdk.out directory), or an assembly stack read already.
   */
  async update(source: AssemblyStack | string | { readonly directory: string }): Promise<OperationResult> {
    const next = typeof source === 'object' && 'template' in source ? source : readStack(source, this.assemblyPath);
    if (!this.template || !['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'].includes(this.status)) {
      throw new Error(`stack ${this.stackName} cannot be updated in status ${this.status}`);
    }
    const oldTemplate = this.template;
    const newTemplate = next.template;
    return this.operation('UPDATE', async (fail) => {
      this.setStatus('UPDATE_IN_PROGRESS');
      this.source = next;
      const steps: Array<{ id: string; before?: ResourceState }> = [];
      const replaced: ResourceState[] = [];
      for (const id of this.activeOrder(newTemplate)) {
        const before = this.resources.get(id);
        try {
          if (!before) {
            steps.push({ id });
            await this.createResource(id, newTemplate);
          } else if (before.type !== newTemplate.Resources[id].Type) {
            throw new ResourceFailure(id, `Update of resource type is not permitted (${before.type} -> ${newTemplate.Resources[id].Type})`);
          } else {
            const result = await this.updateResource(id, newTemplate, before);
            if (result !== 'unchanged') steps.push({ id, before });
            if (result === 'replaced') replaced.push(before);
          }
        } catch (error) {
          const failure = asFailure(id, error);
          fail(failure);
          if (!before && failure.physicalId !== undefined) this.setFailedPlaceholder(id, newTemplate, failure.physicalId);
          if (before && !steps.some((s) => s.id === id)) steps.push({ id, before });
          break;
        }
      }

      if (!this.failed) {
        this.template = newTemplate;
        this.setStatus('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
        const remaining = new Set(this.activeOrder(newTemplate));
        const removed = this.activeOrder(oldTemplate).filter((id) => !remaining.has(id) && this.resources.has(id)).reverse();
        await this.deleteAll(removed, oldTemplate);
        for (const old of replaced.reverse()) await this.deleteState(old);
        this.setStatus('UPDATE_COMPLETE');
        return;
      }

      this.setStatus('UPDATE_ROLLBACK_IN_PROGRESS');
      this.source = { ...this.source!, template: oldTemplate };
      for (const step of [...steps].reverse()) {
        if (step.before) await this.rollbackResource(step.id, step.before);
      }
      this.setStatus('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
      const createdIds = steps.filter((s) => !s.before).map((s) => s.id).filter((id) => this.resources.has(id)).reverse();
      await this.deleteAll(createdIds, newTemplate);
      this.template = oldTemplate;
      this.setStatus('UPDATE_ROLLBACK_COMPLETE');
    });
  }

  /** Deletes the stack (`cdk destroy`). */
  async delete(): Promise<OperationResult> {
    const template = this.requireTemplate();
    return this.operation('DELETE', async () => {
      this.setStatus('DELETE_IN_PROGRESS');
      const failures = await this.deleteAll(this.activeOrder(template).filter((id) => this.resources.has(id)).reverse(), template);
      this.setStatus(failures > 0 ? 'DELETE_FAILED' : 'DELETE_COMPLETE');
      if (failures === 0) this.template = undefined;
    });
  }

  private async operation(kind: OperationResult['operation'], body: (fail: (failure: ResourceFailure) => void) => Promise<void>): Promise<OperationResult> {
    const exchanges: CustomResourceExchange[] = [];
    const events: StackEvent[] = [];
    this.current = { exchanges, events };
    this.failed = false;
    let failure: OperationResult['failure'];
    await body((f) => {
      this.failed = true;
      failure ??= { logicalId: f.logicalId, reason: f.message };
    });
    this.current = undefined;
    const result: OperationResult = {
      operation: kind,
      status: this.status,
      exchanges,
      events,
      failure,
      exchangesOf: (logicalId, requestType) => exchanges.filter((e) => e.logicalId === logicalId && (!requestType || e.requestType === requestType)),
    };
    this.operations.push(result);
    return result;
  }

  private setStatus(status: string): void {
    this.status = status;
    this.services.aws.setStack(this.stackId, status);
  }

  private event(logicalId: string, resourceType: string, status: string, reason?: string): void {
    this.current?.events.push({ logicalId, resourceType, status, stackStatus: this.status, ...(reason ? { reason } : {}), timestamp: this.services.lambda.clock.now() });
  }

  private requireTemplate(): Template {
    if (!this.template) throw new Error(`stack ${this.stackName} does not exist (${this.status})`);
    return this.template;
  }

  private state(logicalId: string): ResourceState {
    const state = this.resources.get(logicalId);
    if (!state) throw new Error(`stack ${this.stackName} has no resource ${logicalId}; it has ${[...this.resources.keys()].join(', ')}`);
    return state;
  }

  /** The template's resources whose condition holds, in creation order. */
  private activeOrder(template: Template): string[] {
    const ctx = this.context(template, { dynamic: false });
    return creationOrder(template).filter((id) => {
      const condition = template.Resources[id].Condition;
      return condition === undefined || evaluateCondition(condition, ctx);
    });
  }

  private context(template: Template, options: { dynamic: boolean; customResource?: boolean }): ResolveContext {
    return {
      template,
      pseudo: {
        region: this.region,
        account: this.account,
        partition: this.partition,
        urlSuffix: 'amazonaws.com',
        stackName: this.stackName,
        stackId: this.stackId,
      },
      parameter: (name) => {
        const parameter = template.Parameters![name];
        if (parameter.Type.startsWith('AWS::SSM::Parameter::Value<')) {
          const value = this.services.ssmParameter(String(parameter.Default));
          if (value === undefined) throw new Error(`parameter ${name}: SSM parameter ${String(parameter.Default)} does not exist`);
          return value;
        }
        if (parameter.Default === undefined) throw new Error(`parameter ${name} has no value`);
        return parameter.Default;
      },
      ref: (id) => this.state(id).ref,
      getAtt: (id, attribute) => this.getAtt(id, attribute),
      dynamicReference: options.dynamic ? (reference) => this.dynamicReference(reference, options.customResource ?? false) : undefined,
    };
  }

  private getAtt(logicalId: string, attribute: string): unknown {
    const state = this.state(logicalId);
    if (attribute in state.attributes) return state.attributes[attribute];
    if (this.isCustomResource(state.type)) {
      throw new Error(`CustomResource attribute error: Vendor response doesn't contain ${attribute} key in object ${this.stackId}|${logicalId}|${state.physicalId}`);
    }
    throw new Error(`the harness has no attribute ${attribute} for ${logicalId} (${state.type}): provide it from onResource`);
  }

  private dynamicReference(reference: string, customResource: boolean): string | undefined {
    const [, service, rest] = /^resolve:([^:]+):(.*)$/.exec(reference)!;
    if (service === 'ssm') {
      const [name] = rest.split(':');
      const value = this.services.ssmParameter(name);
      if (value === undefined) throw new Error(`Unable to resolve dynamic reference {{${reference}}}: parameter ${name} not found`);
      return value;
    }
    // CloudFormation does not resolve secure dynamic references in custom resources' properties.
    if (customResource) return undefined;
    if (service === 'ssm-secure') {
      const [name] = rest.split(':');
      const value = this.services.ssmParameter(name);
      if (value === undefined) throw new Error(`Unable to resolve dynamic reference {{${reference}}}: parameter ${name} not found`);
      return value;
    }
    const parts = rest.split(':');
    const idLength = rest.startsWith('arn:') ? 7 : 1;
    const secretId = parts.slice(0, idLength).join(':');
    const [field = 'SecretString', jsonKey = ''] = parts.slice(idLength);
    const value = this.services.secrets.get(secretId);
    if (value === undefined) throw new Error(`Secrets Manager can't find the specified secret: ${secretId}`);
    if (field !== 'SecretString') throw new Error(`dynamic reference {{${reference}}}: only SecretString is supported`);
    if (!jsonKey) return value;
    const parsed = JSON.parse(value);
    if (!(jsonKey in parsed)) throw new Error(`Could not find a value associated with JSONKey in SecretString: ${jsonKey} (${secretId})`);
    const found = parsed[jsonKey];
    return typeof found === 'string' ? found : JSON.stringify(found);
  }

  private isCustomResource(type: string): boolean {
    return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
  }

  private served(id: string, type: string): boolean {
    return this.isCustomResource(type) && this.services.serves(type, id);
  }

  /** A resource's properties, resolved as CloudFormation gives them to it. */
  private resolveProperties(id: string, template: Template): Record<string, any> {
    const definition = template.Resources[id];
    const customResource = this.isCustomResource(definition.Type);
    let props = resolveValue(definition.Properties ?? {}, this.context(template, { dynamic: true, customResource })) as Record<string, any>;
    if (customResource) {
      props = mapStrings(props, (s) => this.services.rewriteUrls(s)) as Record<string, any>;
      props = stringifyScalars(props) as Record<string, any>;
    }
    return props;
  }

  private async createResource(id: string, template: Template): Promise<void> {
    const definition = template.Resources[id];
    this.event(id, definition.Type, 'CREATE_IN_PROGRESS');
    try {
      const props = this.resolveProperties(id, template);
      if (this.served(id, definition.Type)) {
        const answer = await this.customResource('Create', id, definition, props);
        this.resources.set(id, { logicalId: id, type: definition.Type, physicalId: answer.PhysicalResourceId, ref: answer.PhysicalResourceId, attributes: { ...answer.Data }, properties: props, definition });
      } else {
        const physical = physicalResource(definition.Type, props, this.naming(id));
        let state: ResourceState = { logicalId: id, type: definition.Type, physicalId: physical.ref, ref: physical.ref, attributes: physical.attributes, properties: props, definition };
        state = await this.applyHook('Create', state);
        this.resources.set(id, state);
        await this.afterCreateOrUpdate(state);
      }
      this.event(id, definition.Type, 'CREATE_COMPLETE');
    } catch (error) {
      this.event(id, definition.Type, 'CREATE_FAILED', (error as Error).message);
      throw error;
    }
  }

  /** Updates a resource whose resolved properties changed. */
  private async updateResource(id: string, template: Template, before: ResourceState): Promise<'unchanged' | 'updated' | 'replaced'> {
    const definition = template.Resources[id];
    const props = this.resolveProperties(id, template);
    if (JSON.stringify(props) === JSON.stringify(before.properties)) {
      this.resources.set(id, { ...before, definition });
      return 'unchanged';
    }
    this.event(id, definition.Type, 'UPDATE_IN_PROGRESS');
    try {
      if (this.served(id, definition.Type)) {
        const answer = await this.customResource('Update', id, definition, props, before);
        this.resources.set(id, { ...before, physicalId: answer.PhysicalResourceId, ref: answer.PhysicalResourceId, attributes: { ...answer.Data }, properties: props, definition });
        this.event(id, definition.Type, 'UPDATE_COMPLETE');
        return answer.PhysicalResourceId === before.physicalId ? 'updated' : 'replaced';
      }
      const state = await this.applyHook('Update', { ...before, properties: props, definition }, before.properties);
      this.resources.set(id, state);
      await this.afterCreateOrUpdate(state);
      this.event(id, definition.Type, 'UPDATE_COMPLETE');
      return state.physicalId === before.physicalId ? 'updated' : 'replaced';
    } catch (error) {
      // The failed resource is left with the properties it was being updated to: its rollback goes from them.
      this.resources.set(id, { ...before, properties: props, definition });
      this.event(id, definition.Type, 'UPDATE_FAILED', (error as Error).message);
      throw error;
    }
  }

  /** Brings a resource back to its state before the update: for a custom resource, `Update` with the old properties. */
  private async rollbackResource(id: string, before: ResourceState): Promise<void> {
    const now = this.resources.get(id) ?? before;
    this.event(id, before.type, 'UPDATE_IN_PROGRESS');
    try {
      if (this.served(id, before.type)) {
        const answer = await this.customResource('Update', id, before.definition, before.properties, now);
        this.resources.set(id, { ...before, physicalId: answer.PhysicalResourceId, ref: answer.PhysicalResourceId, attributes: { ...answer.Data } });
      } else {
        const state = await this.applyHook('Update', before, now.properties);
        this.resources.set(id, state);
        await this.afterCreateOrUpdate(state);
      }
      this.event(id, before.type, 'UPDATE_COMPLETE');
    } catch (error) {
      // CloudFormation stops in UPDATE_ROLLBACK_FAILED; the harness records it and goes on.
      this.event(id, before.type, 'UPDATE_FAILED', (error as Error).message);
    }
  }

  /**
   * Deletes resources in the given order; returns how many failed. What a resource that failed to delete depends on
   * stays, as CloudFormation deletes a resource only after those that depend on it (a custom resource's provider
   * function outlives the custom resource it could not delete).
   */
  private async deleteAll(ids: string[], template: Template): Promise<number> {
    let failures = 0;
    const kept = new Set<string>();
    for (const id of ids) {
      const state = this.resources.get(id);
      if (!state) continue;
      if ([...kept].some((k) => k in template.Resources && resourceDependencies(template, k).has(id))) {
        kept.add(id);
        continue;
      }
      const policy = template.Resources[id]?.DeletionPolicy ?? state.definition.DeletionPolicy;
      if (policy === 'Retain' || (policy === 'RetainExceptOnCreate' && this.status !== 'ROLLBACK_IN_PROGRESS')) {
        this.resources.delete(id);
        this.event(id, state.type, 'DELETE_SKIPPED');
        continue;
      }
      if (!(await this.deleteState(state))) {
        failures++;
        kept.add(id);
      }
    }
    return failures;
  }

  private async deleteState(state: ResourceState): Promise<boolean> {
    const { logicalId: id, type } = state;
    this.event(id, type, 'DELETE_IN_PROGRESS');
    try {
      if (this.served(id, type)) {
        await this.customResource('Delete', id, state.definition, state.properties, state);
      } else {
        await this.applyHook('Delete', state);
        this.afterDelete(state);
      }
      if (this.resources.get(id) === state || this.resources.get(id)?.physicalId === state.physicalId) this.resources.delete(id);
      this.event(id, type, 'DELETE_COMPLETE');
      return true;
    } catch (error) {
      this.event(id, type, 'DELETE_FAILED', (error as Error).message);
      return false;
    }
  }

  /** A resource whose create failed but has a physical id: the rollback deletes it. */
  private setFailedPlaceholder(id: string, template: Template, physicalId: string): void {
    const definition = template.Resources[id];
    let properties: Record<string, any> = {};
    try {
      properties = this.resolveProperties(id, template);
    } catch {
      // the properties could not be resolved: the Delete carries none
    }
    this.resources.set(id, { logicalId: id, type: definition.Type, physicalId, ref: physicalId, attributes: {}, properties, definition });
  }

  private async applyHook(action: RequestType, state: ResourceState, oldProperties?: Record<string, any>): Promise<ResourceState> {
    const result = await this.services.onResource({
      action,
      logicalId: state.logicalId,
      type: state.type,
      properties: state.properties,
      oldProperties,
      physicalId: state.physicalId,
      attributes: state.attributes,
      stackStatus: this.status,
      deletionPolicy: state.definition.DeletionPolicy,
      stack: this,
    });
    if (result?.fail) throw new ResourceFailure(state.logicalId, result.fail);
    if (!result) return state;
    const physicalId = result.physicalId ?? state.physicalId;
    return { ...state, physicalId, ref: result.physicalId ?? state.ref, attributes: { ...state.attributes, ...result.attributes } };
  }

  /** What creating or updating a resource does beyond its id: functions become invokable, secrets get values. */
  private async afterCreateOrUpdate(state: ResourceState): Promise<void> {
    const props = state.properties;
    switch (state.type) {
      case 'AWS::Lambda::Function':
        this.services.lambda.register(this.functionConfiguration(state));
        break;
      case 'AWS::SecretsManager::Secret': {
        const name = props.Name ?? /:secret:(.+)-[A-Za-z0-9]{6}$/.exec(state.physicalId)?.[1] ?? state.logicalId;
        let value: string;
        if (props.SecretString !== undefined) {
          value = props.SecretString;
        } else if (props.GenerateSecretString) {
          const generate = props.GenerateSecretString;
          const password = generatePassword(generate);
          value = generate.SecretStringTemplate
            ? JSON.stringify({ ...JSON.parse(generate.SecretStringTemplate), [generate.GenerateStringKey]: password })
            : password;
        } else {
          value = '';
        }
        const existing = this.services.secrets.get(state.physicalId);
        // An update that leaves the generation settings alone keeps the value.
        this.services.secrets.set(state.physicalId, name, existing !== undefined && props.SecretString === undefined ? existing : value);
        break;
      }
      case 'AWS::SecretsManager::SecretTargetAttachment': {
        const target = [...this.resources.values()].find((r) => r.ref === props.TargetId);
        const secret = this.services.secrets.get(props.SecretId);
        if (target && secret !== undefined) {
          const value = JSON.parse(secret);
          Object.assign(value, {
            engine: target.properties.Engine,
            host: target.attributes['Endpoint.Address'],
            port: Number(target.attributes['Endpoint.Port']),
            ...(props.TargetType === 'AWS::RDS::DBInstance' ? { dbInstanceIdentifier: target.physicalId } : { dbClusterIdentifier: target.physicalId }),
            ...(target.properties.DBName || target.properties.DatabaseName ? { dbname: target.properties.DBName ?? target.properties.DatabaseName } : {}),
          });
          this.services.secrets.set(props.SecretId, this.services.secrets.arnOf(props.SecretId) ?? props.SecretId, JSON.stringify(value));
        }
        break;
      }
      case 'AWS::SSM::Parameter':
        this.services.setSsmParameter(state.physicalId, String(props.Value));
        break;
      case 'AWS::StepFunctions::StateMachine':
        this.services.stepFunctions.register(state.physicalId, String(props.DefinitionString));
        break;
      case 'AWS::ECS::TaskDefinition': {
        const definition = (props.ContainerDefinitions ?? []).find((c: any) => c.Essential !== false) ?? props.ContainerDefinitions?.[0];
        if (!definition) break;
        const options = definition.LogConfiguration?.LogDriver === 'awslogs' ? definition.LogConfiguration.Options ?? {} : {};
        this.services.aws.ecs.taskDefinition(state.physicalId, {
          name: definition.Name,
          image: String(definition.Image),
          command: definition.Command,
          environment: Object.fromEntries((definition.Environment ?? []).map((v: any) => [v.Name, String(v.Value)])),
          secrets: Object.fromEntries((definition.Secrets ?? []).map((v: any) => [v.Name, String(v.ValueFrom)])),
          logGroup: options['awslogs-group'],
          streamPrefix: options['awslogs-stream-prefix'],
        });
        break;
      }
    }
  }

  private afterDelete(state: ResourceState): void {
    if (state.type === 'AWS::Lambda::Function') this.services.lambda.unregister(state.physicalId);
    if (state.type === 'AWS::SecretsManager::Secret') this.services.secrets.delete(state.physicalId);
    if (state.type === 'AWS::StepFunctions::StateMachine') this.services.stepFunctions.unregister(state.physicalId);
  }

  private functionConfiguration(state: ResourceState): FunctionConfiguration {
    const props = state.properties;
    if (props.PackageType === 'Image' || props.Code?.ImageUri) throw new Error(`${state.logicalId}: the harness cannot run container image functions`);
    if ((props.Layers ?? []).length > 0) throw new Error(`${state.logicalId}: the harness does not provide Lambda layers`);
    let codeDir: string;
    if (props.Code?.ZipFile !== undefined) {
      codeDir = inlineCode(this.services.directory, props.Code.ZipFile, String(props.Runtime));
    } else {
      const asset = this.source?.assetByObjectKey(props.Code?.S3Key);
      if (!asset) throw new Error(`${state.logicalId}: no asset in the cloud assembly for s3://${props.Code?.S3Bucket}/${props.Code?.S3Key}`);
      codeDir = codeDirectory(asset, this.services.directory);
    }
    const environment = mapStrings(props.Environment?.Variables ?? {}, (s) => this.services.rewriteUrls(s)) as Record<string, string>;
    return {
      functionName: state.physicalId,
      functionArn: String(state.attributes.Arn),
      region: this.region,
      handler: props.Handler,
      runtime: props.Runtime,
      timeoutSeconds: Number(props.Timeout ?? 3),
      memorySize: Number(props.MemorySize ?? 128),
      environment: Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v)])),
      codeDirectory: codeDir,
      logFormat: props.LoggingConfig?.LogFormat,
      applicationLogLevel: props.LoggingConfig?.ApplicationLogLevel,
      logGroupName: props.LoggingConfig?.LogGroup ?? `/aws/lambda/${state.physicalId}`,
      logicalId: state.logicalId,
    };
  }

  private naming(logicalId: string) {
    return { stackName: this.stackName, logicalId, region: this.region, account: this.account, partition: this.partition };
  }

  /**
   * Sends a custom resource request to the service token's function, as CloudFormation does (an asynchronous
   * invocation), and returns the answer if it is a success; throws the failure CloudFormation records.
   */
  private async customResource(requestType: RequestType, id: string, definition: TemplateResource, props: Record<string, any>, previous?: ResourceState): Promise<CustomResourceResponse> {
    const serviceToken = String(props.ServiceToken ?? '');
    const fn = this.services.lambda.find(serviceToken);
    if (!fn) throw new ResourceFailure(id, `Invalid service token: ${serviceToken} is not a function of this account (the harness has no such function)`);
    const { url, path } = this.services.responses.newResponseUrl(`${this.stackName}|${id}`);
    const requestId = randomUUID();
    const request: Record<string, any> = {
      RequestType: requestType,
      ServiceToken: serviceToken,
      ResponseURL: url,
      StackId: this.stackId,
      RequestId: requestId,
      LogicalResourceId: id,
      ResourceType: definition.Type,
      ...(requestType !== 'Create' ? { PhysicalResourceId: previous!.physicalId } : {}),
      ResourceProperties: props,
      ...(requestType === 'Update' ? { OldResourceProperties: previous!.properties } : {}),
    };
    const stackStatus = this.status;
    const abort = new AbortController();
    const invoked = this.services.lambda.invoke(fn.functionName, JSON.stringify(request), { invocationType: 'Event', signal: abort.signal });
    // An asynchronous provider's onEvent has started its waiter: the answer comes when the waiter ends.
    const ended = invoked.then(() => this.services.stepFunctions.settle());
    const serviceTimeout = props.ServiceTimeout === undefined ? DEFAULT_SERVICE_TIMEOUT_SECONDS : Number(props.ServiceTimeout);
    const timedOutAfterSeconds = await this.awaitAnswer(path, serviceTimeout, ended);
    if (timedOutAfterSeconds !== undefined) abort.abort();
    const invocation = await invoked;
    if (timedOutAfterSeconds === undefined) await ended;
    const received = this.services.responses.responses(path)[0];
    const { response, problem } = timedOutAfterSeconds === undefined
      ? checkAnswer(request, received, this.services.responses.responses(path).length)
      : { response: undefined, problem: undefined };
    const exchange: CustomResourceExchange = {
      logicalId: id,
      resourceType: definition.Type,
      requestType,
      stackStatus,
      request,
      response,
      body: received?.body,
      bytes: received?.bytes,
      problem,
      invocation,
      ...(timedOutAfterSeconds === undefined ? {} : { timedOutAfterSeconds }),
    };
    this.current?.exchanges.push(exchange);
    if (timedOutAfterSeconds !== undefined) {
      // CloudFormation gives up; the physical id of a Create that never answered is one it makes up (its generated-name
      // form), which the rollback's Delete carries.
      const physicalId = requestType === 'Create' ? `${this.stackName}-${id}-${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}` : undefined;
      throw new ResourceFailure(id, `CloudFormation did not receive a response from your Custom Resource. Please check your logs for requestId [${requestId}]. If you are using the Python cfn-response module, you may need to update your Lambda function code so that CloudFormation can attach the updated version.`, physicalId);
    }
    if (problem || !response) {
      const log = invocation.log.length > 3000 ? `…${invocation.log.slice(-3000)}` : invocation.log;
      throw new ResourceFailure(id, `CloudFormation did not get a usable answer from the custom resource (it would wait for the resource's timeout, up to an hour): ${problem}\n--- log of ${fn.functionName} ---\n${log}`);
    }
    if (response.Status === 'FAILED') {
      throw new ResourceFailure(id, `Received response status [FAILED] from custom resource. Message returned: ${response.Reason ?? ''} (RequestId: ${requestId})`, response.PhysicalResourceId);
    }
    return response;
  }

  /**
   * Waits for the answer at `path` as CloudFormation does: up to `serviceTimeoutSeconds` from the request. Returns
   * `undefined` when an answer arrived in time, or the seconds CloudFormation waited when none did.
   *
   * The time counted is the harness's: real time (each `Harness.serviceTimeoutScale` real milliseconds one second, so
   * that a function that hangs is given up in seconds) plus the waits the harness's clock skipped meanwhile (a waiter's
   * polls: an answer that comes after more of them than the timeout holds comes too late). Once the functions that
   * could answer have ended (`ended`: the invocation and the waiters it started) and no answer arrived within
   * `TIMEOUT_FOR_ANSWER_MS`, none can come: the rest of the timeout passes at once. When CloudFormation gives up, the
   * harness's clock has moved on by the whole timeout.
   */
  private async awaitAnswer(path: string, serviceTimeoutSeconds: number, ended: Promise<unknown>): Promise<number | undefined> {
    const clock = this.services.lambda.clock;
    const scale = this.services.serviceTimeoutScale?.() ?? 1000;
    const startReal = Date.now();
    const startOffset = clock.offsetMs;
    const limitMs = serviceTimeoutSeconds * 1000;
    const elapsedMs = () => (Date.now() - startReal) * 1000 / scale + (clock.offsetMs - startOffset);
    let arrivedAfterMs: number | undefined;
    let endedAt: number | undefined;
    let wake = () => {};
    this.services.responses.onAnswer(path, () => {
      arrivedAfterMs = elapsedMs();
      wake();
    });
    void ended.then(() => undefined, () => undefined).then(() => {
      endedAt = Date.now();
      wake();
    });
    for (;;) {
      if (arrivedAfterMs !== undefined && arrivedAfterMs <= limitMs) return undefined;
      const remainingMs = limitMs - elapsedMs();
      const graceMs = endedAt === undefined ? Infinity : TIMEOUT_FOR_ANSWER_MS - (Date.now() - endedAt);
      if (arrivedAfterMs !== undefined || remainingMs <= 0 || graceMs <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, Math.min(remainingMs * scale / 1000, graceMs)));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = () => {};
    }
    clock.skip(Math.max(0, limitMs - (Date.now() - startReal) - (clock.offsetMs - startOffset)));
    return serviceTimeoutSeconds;
  }
}

/** A map that reports every value set. */
class TrackedMap<K, V> extends Map<K, V> {
  constructor(private readonly onSet: (key: K, value: V) => void) {
    super();
  }

  override set(key: K, value: V): this {
    this.onSet?.(key, value);
    return super.set(key, value);
  }
}

/** CloudFormation's checks of a custom resource's answer. */
function checkAnswer(request: Record<string, any>, received: ReceivedResponse | undefined, count: number): { response?: CustomResourceResponse; problem?: string } {
  if (!received) return { problem: 'no answer arrived at the ResponseURL' };
  if (count > 1) return { problem: `${count} answers arrived at the ResponseURL` };
  if (received.method !== 'PUT') return { problem: `the answer was a ${received.method}, not a PUT` };
  if (received.bytes > 4096) return { problem: `the answer is ${received.bytes} bytes: over the 4096 bytes CloudFormation accepts` };
  let response: CustomResourceResponse;
  try {
    response = JSON.parse(received.body);
  } catch {
    return { problem: `the answer is not JSON: ${received.body.slice(0, 200)}` };
  }
  if (response.Status !== 'SUCCESS' && response.Status !== 'FAILED') return { response, problem: `invalid Status ${JSON.stringify(response.Status)}` };
  for (const key of ['StackId', 'RequestId', 'LogicalResourceId'] as const) {
    if (response[key] !== request[key]) return { response, problem: `${key} ${JSON.stringify(response[key])} does not match the request's ${JSON.stringify(request[key])}` };
  }
  if (!response.PhysicalResourceId) return { response, problem: 'no PhysicalResourceId' };
  if (Buffer.byteLength(response.PhysicalResourceId) > 1024) return { response, problem: 'PhysicalResourceId over 1 KB' };
  if (request.RequestType === 'Delete' && response.PhysicalResourceId !== request.PhysicalResourceId && response.Status === 'SUCCESS') {
    return { response, problem: 'a Delete answer changed the PhysicalResourceId' };
  }
  return { response };
}

function asFailure(id: string, error: unknown): ResourceFailure {
  if (error instanceof ResourceFailure) return error;
  return new ResourceFailure(id, error instanceof Error ? error.message : String(error));
}

/** CloudFormation passes custom resource properties' numbers and booleans as strings. */
function stringifyScalars(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(stringifyScalars);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringifyScalars(v)]));
  return value;
}

/** The code directory of an inline (`Code.ZipFile`) function, as Lambda writes it: index.js or index.py. */
function inlineCode(parent: string, source: string, runtime: string): string {
  const dir = mkdtempSync(join(parent, 'inline-'));
  writeFileSync(join(dir, runtime.startsWith('python') ? 'index.py' : 'index.js'), source);
  return dir;
}
