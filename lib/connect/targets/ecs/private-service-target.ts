import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { futurePath } from '../../core/future-path';
import { provideBinding, providedBindingAdapter } from '../../core/provided-binding';
import { bindService, resolveService } from './ecs-service';

/** Properties of a `PrivateServiceTarget`. */
export interface PrivateServiceTargetProps {
  /** The ECS service (e.g. an `ecs.FargateService`), in `awsvpc` network mode. */
  readonly service: ecs.BaseService;

  /**
   * The port the service listens on. A connected script is admitted on it.
   *
   * @default - the container port registered in Cloud Map, else the first port mapping of the task's
   * default container
   */
  readonly port?: number;

  /**
   * The host name the script reaches the service at (e.g. a private DNS record you manage).
   *
   * @default - the service's Cloud Map DNS name, `<service>.<namespace>`
   */
  readonly hostname?: string;
}

/**
 * An ECS service reachable inside its VPC as a `connectTo` target: a connected script joins the service's
 * VPC, is admitted in the service's security groups on its port, and gets `ADDRESS` (`host:port`).
 *
 * A service with DNS-based Cloud Map discovery (`cloudMapOptions`, A or AAAA records) can be listed in
 * `connectTo` directly; wrap it here to give another port or host name. Service Connect names resolve only
 * inside ECS tasks that run the Service Connect agent, so a script cannot use them: give the service
 * Cloud Map DNS discovery, or a `hostname`. The target's name in the script's variables is this construct's id.
 */
export class PrivateServiceTarget extends Construct implements ec2.IConnectable {
  /** The service's network connections. */
  public readonly connections: ec2.Connections;

  /** The address scripts get: `host:port`. */
  public readonly address: string;

  constructor(scope: Construct, id: string, props: PrivateServiceTargetProps) {
    const path = `PrivateServiceTarget ${futurePath(scope, id)}`;
    const resolved = resolveService(path, props.service, props, "give 'hostname' (and 'port') to reach it at");
    super(scope, id);
    this.connections = props.service.connections;
    this.address = resolved.address;
    provideBinding(this, PRIVATE_SERVICE, (script) => bindService(this, props.service, resolved, script));
  }
}

const PRIVATE_SERVICE = Symbol.for('cdk-deployment-script.PrivateServiceTarget');

/** `PrivateServiceTarget`s. */
export const PRIVATE_SERVICE_ADAPTER = providedBindingAdapter('private service (PrivateServiceTarget)', PRIVATE_SERVICE);
