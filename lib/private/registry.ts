import { IResolvable, IResolveContext, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { analyzeStack, ScriptEntry, StackAnalysis } from './stack-analysis';

const REGISTRIES = new WeakMap<Stack, ScriptRegistry>();

/**
 * The deployment scripts of one stack, of every kind (Lambda scripts and container tasks), analysed together: each
 * runs after every resource of the stack, scripts never wait for one another unless ordered, and the re-run hashes
 * leave out the custom resources of all of them and the library's own providers. Each kind has its own provider;
 * the analysis is the stack's.
 */
export class ScriptRegistry {
  /** The registry of `scope`'s stack, created on first use. */
  public static of(scope: IConstruct): ScriptRegistry {
    const stack = Stack.of(scope);
    let registry = REGISTRIES.get(stack);
    if (!registry) {
      registry = new ScriptRegistry(stack);
      REGISTRIES.set(stack, registry);
    }
    return registry;
  }

  private readonly scripts: ScriptEntry[] = [];
  private readonly excluded: IConstruct[] = [];
  private analysis?: StackAnalysis;

  private constructor(private readonly stack: Stack) {}

  /** Adds a script's custom resource to the analysis. */
  public register(script: ScriptEntry): void {
    this.scripts.push(script);
  }

  /** Leaves a construct of the library's own (a provider) out of the stack hash: upgrading the library re-runs nothing. */
  public excludeFromHash(scope: IConstruct): void {
    this.excluded.push(scope);
  }

  /**
   * The analysis of the stack's finished template, computed once, when first asked for during synthesis (validation
   * or resolution), after every construct has been added.
   */
  public analyze(): StackAnalysis {
    if (!this.analysis) {
      this.analysis = analyzeStack(this.stack, this.scripts, this.excluded);
    }
    return this.analysis;
  }

  /** The dependency cycles of the custom resources of one kind of script, as messages (for their provider's validation). */
  public errorsOf(kind: string): string[] {
    const analysis = this.analyze();
    return this.scripts
      .filter((script) => script.kind === kind)
      .map((script) => analysis.errorOf(script.resource))
      .filter((error): error is string => error !== undefined);
  }
}

/**
 * A value drawn from the stack's analysis (a script's `DependsOn`, its run token). aws-cdk-lib's prepare pass
 * resolves every resource once only to find the references between stacks, which these values never hold: there
 * it gets `placeholder`, and the analysis waits until the stack is final (its validation, or its synthesis), when
 * cross-stack references have their values and aws-cdk-lib's own pass has already run.
 */
export class AnalysisValue implements IResolvable {
  /** The value as a string token. */
  public static string(registry: ScriptRegistry, produce: (analysis: StackAnalysis) => string): string {
    return Token.asString(new AnalysisValue(registry, produce, ''));
  }

  public readonly creationStack: string[] = [];

  constructor(
    private readonly registry: ScriptRegistry,
    private readonly produce: (analysis: StackAnalysis) => any,
    private readonly placeholder: any,
  ) {}

  public resolve(context: IResolveContext): any {
    return context.preparing ? this.placeholder : this.produce(this.registry.analyze());
  }

  public toString(): string {
    return Token.asString(this);
  }
}
