/**
 * examples/container-migrate (the CDK Pipelines case of seeds/003, with the migrations in the application's image):
 * it synthesizes here, without a Docker engine, because CDK builds container images when it publishes assets (at
 * deploy time, in the pipeline's Assets stage), not at synth.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as consts from '../lambda-runtime/shared/consts';
import { ApplicationStage, PipelineStack } from '../examples/container-migrate/stacks';
import { transitiveDependencies } from './support/template';

let outdir: string;
let savedDocker: string | undefined;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'container-migrate-'));
  // Any attempt to run Docker during synthesis would fail on this binary.
  savedDocker = process.env.CDK_DOCKER;
  process.env.CDK_DOCKER = join(outdir, 'no-docker-here');
});
afterAll(() => {
  if (savedDocker === undefined) delete process.env.CDK_DOCKER;
  else process.env.CDK_DOCKER = savedDocker;
  rmSync(outdir, { recursive: true, force: true });
});

test('the pipeline synthesizes without Docker; its Assets stage builds the image, its Prod stage deploys the stack', () => {
  // GIVEN / WHEN
  const app = new App({ outdir });
  const pipeline = new PipelineStack(app, 'ContainerMigrate', { env: { account: '111111111111', region: 'eu-west-1' } });
  const assembly = app.synth();

  // THEN: the stage's stack is in the pipeline's nested assembly, with its image as a Docker asset to publish.
  const stage = assembly.getNestedAssembly('assembly-ContainerMigrate-Prod');
  const stack = stage.getStackByName('Prod-Application');
  const manifest = JSON.parse(readFileSync(join(stage.directory, `${stack.id}.assets.json`), 'utf8'));
  const [image] = Object.values(manifest.dockerImages) as any[];
  expect(image.source.directory).toMatch(/^(\.\.\/)?asset\.[0-9a-f]{64}$/);
  // The staged build context is the example's app/ directory, untouched.
  const staged = join(stage.directory, image.source.directory);
  expect(readFileSync(join(staged, 'Dockerfile'), 'utf8')).toMatch(/^FROM php:8\.3-cli$/m);
  expect(readFileSync(join(staged, 'artisan'), 'utf8')).toContain("if ($command !== 'migrate')");

  const resources = Object.values(assembly.getStackByName(pipeline.stackName).template.Resources) as any[];
  const codePipeline = resources.find((r) => r.Type === 'AWS::CodePipeline::Pipeline');
  const stages = codePipeline.Properties.Stages.map((s: any) => s.Name);
  expect(stages).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'Prod']);
  const assets = codePipeline.Properties.Stages.find((s: any) => s.Name === 'Assets');
  // One image, published once for the service and the task.
  expect(assets.Actions.map((a: any) => a.Name).filter((name: string) => name.endsWith('AssetImage'))).toEqual(['Migrate_TaskDefinition_Container_AssetImage']);
});

describe('the application stack', () => {
  const app = new App();
  const stage = new ApplicationStage(app, 'Prod', { env: { account: '111111111111', region: 'eu-west-1' } });
  const stack = stage.application;
  const template = Template.fromStack(stack);
  const id = (construct: { node: { defaultChild?: any } }) => stack.resolve(construct.node.defaultChild.logicalId);

  test('the task runs `php artisan migrate --force` in the application\'s own image, as the service does', () => {
    const definitions = Object.values(template.findResources('AWS::ECS::TaskDefinition')) as any[];
    const images = definitions.map((d) => JSON.stringify(d.Properties.ContainerDefinitions[0].Image));
    expect(images).toHaveLength(2);
    expect(images[0]).toEqual(images[1]);
    expect(images[0]).toMatch(/container-assets-111111111111-eu-west-1:[0-9a-f]{64}/);
    const migrate = stack.migrate.taskDefinition.node.defaultChild as any;
    const [container] = stack.resolve(migrate.containerDefinitions);
    expect(container.command).toEqual(['php', 'artisan', 'migrate', '--force']);
    template.hasResourceProperties(consts.TASK_RESOURCE_TYPE, {
      [consts.PROP_TRIGGER]: 'after:deploy',
      [consts.PROP_CLUSTER]: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'Arn'] },
      [consts.PROP_TIMEOUT_SECONDS]: '1200',
    });
  });

  test('connectTo the database: its VPC, its security group, its variables; the credentials as ECS secrets', () => {
    const definition = (Object.entries(template.findResources('AWS::ECS::TaskDefinition')).find(([key]) => key.startsWith('Migrate'))![1] as any)
      .Properties.ContainerDefinitions[0];
    expect(definition.Environment.map((v: any) => v.Name)).toEqual(expect.arrayContaining(['STP_DATABASE_HOST', 'STP_DATABASE_PORT', 'STP_DATABASE_DB_NAME']));
    // The app's own (config/database.php reads them), and connectTo's, both read by ECS when the task starts.
    expect(definition.Secrets.map((s: any) => s.Name)).toEqual(['DB_USERNAME', 'DB_PASSWORD', 'STP_DATABASE_USERNAME', 'STP_DATABASE_PASSWORD']);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseSecurityGroup'), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MigrateSecurityGroup'), 'GroupId'] },
    });
  });

  test('the migration runs after the database and before the service', () => {
    const migrate = id(stack.migrate.resource);
    expect(transitiveDependencies(template, migrate).has(id(stack.node.findChild('Database') as any))).toBe(true);
    expect(transitiveDependencies(template, id(stack.service)).has(migrate)).toBe(true);
    expect(transitiveDependencies(template, migrate).has(id(stack.service))).toBe(false);
  });
});
