/**
 * The pairs of CPU units and memory (MiB) that Fargate accepts for a task ("Task CPU and memory" in the Amazon ECS
 * developer guide): for each CPU value, the memory values from `min` to `max` in steps of `step`.
 */
const FARGATE_SIZES: ReadonlyArray<{ cpu: number; min: number; max: number; step: number }> = [
  { cpu: 256, min: 512, max: 2048, step: 512 },
  { cpu: 512, min: 1024, max: 4096, step: 1024 },
  { cpu: 1024, min: 2048, max: 8192, step: 1024 },
  { cpu: 2048, min: 4096, max: 16384, step: 1024 },
  { cpu: 4096, min: 8192, max: 30720, step: 1024 },
  { cpu: 8192, min: 16384, max: 61440, step: 4096 },
  { cpu: 16384, min: 32768, max: 122880, step: 8192 },
];

function accepts(size: typeof FARGATE_SIZES[number], memory: number): boolean {
  // 256 CPU units take 512, 1024 and 2048 MiB: 512 is the one value off the 1024 grid.
  return memory >= size.min && memory <= size.max && (memory - size.min) % size.step === 0 && (size.cpu !== 256 || memory !== 1536);
}

/**
 * The task's CPU and memory: what is given, with the smallest value Fargate accepts beside it for what is not.
 * Throws through `fail`, listing what Fargate accepts, for a value or a pair it does not.
 */
export function fargateSize(fail: (message: string) => never, cpu: number | undefined, memory: number | undefined): { cpu: number; memory: number } {
  const guide = 'see "Task CPU and memory" in the Amazon ECS developer guide';
  if (cpu !== undefined) {
    const size = FARGATE_SIZES.find((s) => s.cpu === cpu);
    if (!size) {
      return fail(`'cpu' is ${cpu}, which Fargate does not take. Give one of ${FARGATE_SIZES.map((s) => s.cpu).join(', ')} (${guide}).`);
    }
    if (memory === undefined) { return { cpu, memory: size.min }; }
    if (!accepts(size, memory)) {
      return fail(`'memoryLimitMiB' is ${memory} with 'cpu' ${cpu}, a pair Fargate does not take. With ${cpu} CPU units give ${rangeOf(size)} MiB, `
        + `or change 'cpu' (${guide}).`);
    }
    return { cpu, memory };
  }
  if (memory === undefined) { return { cpu: 256, memory: 512 }; }
  const size = FARGATE_SIZES.find((s) => accepts(s, memory));
  if (!size) {
    return fail(`'memoryLimitMiB' is ${memory}, which Fargate takes with no CPU value. Give 512, a multiple of 1024 up to 30720, `
      + `of 4096 up to 61440 or of 8192 up to 122880 (${guide}).`);
  }
  return { cpu: size.cpu, memory };
}

function rangeOf(size: typeof FARGATE_SIZES[number]): string {
  return size.cpu === 256 ? '512, 1024 or 2048' : `${size.min} to ${size.max} in steps of ${size.step}`;
}
