import { planDependsOn, ScriptPlanInput } from '../lib/private/stack-analysis';

/**
 * The definition of a script's DependsOn, read literally, one script after the other: every candidate that does not
 * reach the script, minus those with a predecessor in that set and those the script reaches through its own
 * references, plus the ids it is explicitly ordered after. The planner must agree with it on every graph.
 */
function byDefinition(edges: Map<string, Set<string>>, candidates: Set<string>, scripts: ScriptPlanInput[]) {
  const reach = (start: Iterable<string>, next: (id: string) => Iterable<string>) => {
    const seen = new Set<string>();
    const todo = [...start];
    while (todo.length > 0) {
      const id = todo.pop()!;
      if (seen.has(id)) { continue; }
      seen.add(id);
      todo.push(...next(id));
    }
    return seen;
  };
  const result = new Map<string, { dependsOn: string[]; cycle: boolean }>();
  for (const { id, explicit } of scripts) {
    const predecessorsOf = (target: string) => [...edges].filter(([, tos]) => tos.has(target)).map(([from]) => from);
    const reachesScript = reach([id], predecessorsOf);
    const own = edges.get(id) ?? new Set<string>();
    if ([...reach(own, (n) => edges.get(n) ?? [])].includes(id)) {
      result.set(id, { dependsOn: [], cycle: true });
      continue;
    }
    const after = [...candidates].filter((c) => !reachesScript.has(c));
    const implied = reach(own, (n) => edges.get(n) ?? []);
    const sources = after.filter((c) => !after.some((p) => edges.get(p)?.has(c)) && !implied.has(c));
    result.set(id, { dependsOn: [...new Set([...sources, ...explicit])].sort(), cycle: false });
    for (const s of sources) { own.add(s); }
    edges.set(id, own);
  }
  return result;
}

/** A small deterministic random generator, so that a failure can be replayed from its seed. */
function generator(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function randomStack(seed: number) {
  const random = generator(seed);
  const resources = Array.from({ length: 3 + Math.floor(random() * 25) }, (_, i) => `R${i}`);
  const scripts = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, i) => `S${i}`);
  const nodes = [...resources, ...scripts];
  const edges = new Map<string, Set<string>>();
  // Resources refer to earlier resources (a template's references are acyclic), and now and then to a script's result.
  resources.forEach((r, i) => {
    const out = new Set<string>();
    for (let j = 0; j < i; j++) { if (random() < 0.15) { out.add(resources[j]); } }
    if (random() < 0.1) { out.add(scripts[Math.floor(random() * scripts.length)]); }
    edges.set(r, out);
  });
  const inputs: ScriptPlanInput[] = scripts.map((s) => {
    const out = new Set<string>();
    for (const n of nodes) { if (n !== s && random() < 0.08) { out.add(n); } }
    const explicit = new Set([...out].filter((n) => scripts.includes(n) || random() < 0.3));
    edges.set(s, out);
    return { id: s, explicit };
  });
  // Some resources are not candidates: metadata, or resources with a condition.
  const candidates = new Set(resources.filter(() => random() > 0.1));
  return { edges, candidates, inputs };
}

const copy = (edges: Map<string, Set<string>>) => new Map([...edges].map(([k, v]) => [k, new Set(v)]));

describe('planDependsOn', () => {
  test('agrees with the definition on a thousand random stacks, cycles included', () => {
    let cycles = 0;
    let listed = 0;
    for (let seed = 1; seed <= 1000; seed++) {
      const { edges, candidates, inputs } = randomStack(seed);
      const expected = byDefinition(copy(edges), candidates, inputs);
      const actual = planDependsOn(copy(edges), candidates, inputs);
      for (const { id } of inputs) {
        const plan = actual.get(id)!;
        const want = expected.get(id)!;
        expect({ seed, id, dependsOn: plan.dependsOn, cycle: plan.cycle !== undefined })
          .toEqual({ seed, id, dependsOn: want.dependsOn, cycle: want.cycle });
        if (plan.cycle) {
          cycles++;
          // The reported cycle is a real path from the script back to itself.
          expect(plan.cycle[0]).toBe(id);
          expect(plan.cycle[plan.cycle.length - 1]).toBe(id);
        }
        listed += plan.dependsOn.length;
      }
    }
    // The generator produces both outcomes often enough for the comparison to mean something.
    expect(cycles).toBeGreaterThan(50);
    expect(listed).toBeGreaterThan(1000);
  });

  test('a script lists only the sources of what it must wait for', () => {
    // Table <- Function <- Alias; Bucket alone; the script already refers to the function.
    const edges = new Map<string, Set<string>>([
      ['Table', new Set()],
      ['Function', new Set(['Table'])],
      ['Alias', new Set(['Function'])],
      ['Bucket', new Set()],
      ['Script', new Set(['Function'])],
    ]);
    const plans = planDependsOn(edges, new Set(['Table', 'Function', 'Alias', 'Bucket']), [{ id: 'Script', explicit: new Set() }]);
    expect(plans.get('Script')).toEqual({ dependsOn: ['Alias', 'Bucket'] });
    expect([...edges.get('Script')!].sort()).toEqual(['Alias', 'Bucket', 'Function']);
  });

  test('a resource that uses the script\'s result is not waited for, and what it uses becomes a source', () => {
    const edges = new Map<string, Set<string>>([
      ['Table', new Set()],
      ['Reader', new Set(['Script', 'Table'])],
      ['Script', new Set()],
    ]);
    const plans = planDependsOn(edges, new Set(['Table', 'Reader']), [{ id: 'Script', explicit: new Set() }]);
    expect(plans.get('Script')).toEqual({ dependsOn: ['Table'] });
  });

  test('a cycle through the script is reported as a path, with an empty DependsOn', () => {
    const edges = new Map<string, Set<string>>([
      ['Reader', new Set(['Script'])],
      ['Script', new Set(['Reader'])],
    ]);
    const plans = planDependsOn(edges, new Set(['Reader']), [{ id: 'Script', explicit: new Set(['Reader']) }]);
    expect(plans.get('Script')).toEqual({ dependsOn: [], cycle: ['Script', 'Reader', 'Script'] });
  });
});
