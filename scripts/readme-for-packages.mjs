// Prints the assembly at argv[2] (.jsii) with its README as the packages show it: each ```python block that comes
// right after a ```ts block left out. The README on GitHub and npm shows both, and the test checks that the Python
// is rosetta's translation of the TypeScript (scripts/check-readme-python.py pairs them the same way); in the
// packages, rosetta translates the TypeScript into each package's language, so the hand-written Python would come
// second to its own translation on PyPI, and after the Java or Go one on Construct Hub.
import { readFileSync } from 'fs';

const FENCE = /^```(\w*)[^\n]*\n[\s\S]*?^```[ \t]*$/gm;

export function withoutPythonTwins(markdown) {
  const blocks = [...markdown.matchAll(FENCE)].map((m) => ({ lang: m[1], start: m.index, end: m.index + m[0].length }));
  let out = '';
  let at = 0;
  for (let i = 1; i < blocks.length; i++) {
    const [before, block] = [blocks[i - 1], blocks[i]];
    if (['ts', 'typescript'].includes(before.lang) && block.lang === 'python'
      && markdown.slice(before.end, block.start).trim() === '') {
      out += markdown.slice(at, before.end);
      at = block.end;
    }
  }
  return out + markdown.slice(at);
}

const assembly = JSON.parse(readFileSync(process.argv[2], 'utf8'));
if (assembly.readme?.markdown) {
  assembly.readme.markdown = withoutPythonTwins(assembly.readme.markdown);
}
process.stdout.write(JSON.stringify(assembly));
