/**
 * Every ```ts block of README.md type-checks as a user's strict project would compile it: the
 * options `tsc --init` writes in TypeScript 6 (strict, exactOptionalPropertyTypes,
 * noUncheckedIndexedAccess, verbatimModuleSyntax, module nodenext, …), each block its own ES
 * module importing the package by its public names (mapped to the sources). Only errors in the
 * blocks count, as `skipLibCheck` would have it for the package's declarations.
 *
 * A block that is a fragment (a line to read, not a file to compile) is marked by the line
 * `<!-- fragment -->` right before its fence, and skipped; nothing is skipped by hand here. A block
 * marked `<!-- continues -->` is the same file as the checked block before it (a test of the
 * component shown above it, say) and is checked appended to it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { CACHE, ROOT } from '../helpers/packed-tarball.js';

jest.setTimeout(120_000);

const FRAGMENT = '<!-- fragment -->';
const CONTINUES = '<!-- continues -->';

/** One ```ts block: where it starts in README.md (1-based line of its first code line) and its code. */
interface Block {
  readonly line: number;
  readonly code: string;
  readonly fragment: boolean;
  readonly continues: boolean;
}

/** The ```ts blocks of `markdown`. */
export function tsBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = before >= 0 ? lines[before]!.trim() : '';
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n'), fragment: marker === FRAGMENT, continues: marker === CONTINUES });
    i = end;
  }
  return blocks;
}

/** What `tsc --init` writes in TypeScript 6, plus the DOM and test types the Angular blocks use. */
const OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ESNext,
  lib: ['lib.esnext.d.ts', 'lib.dom.d.ts'],
  types: ['node', 'jest'],
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  strict: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noUncheckedSideEffectImports: true,
  moduleDetection: ts.ModuleDetectionKind.Force,
  skipLibCheck: true,
  // Angular components compile with the decorators Angular's own tsconfig turns on.
  experimentalDecorators: true,
  noEmit: true,
  paths: {
    'factpulse-rx': [join(ROOT, 'lib/index.ts')],
    'factpulse-rx/simulator': [join(ROOT, 'lib/simulator/index.ts')],
    'factpulse-rx/angular': [join(ROOT, 'lib/adapters/angular/index.ts')],
    'factpulse-rx/ws': [join(ROOT, 'lib/adapters/ws/index.ts')],
    'factpulse-rx/sse': [join(ROOT, 'lib/adapters/sse/index.ts')],
    'factpulse-rx/webhook': [join(ROOT, 'lib/adapters/webhook/index.ts')],
    'factpulse-rx/redis': [join(ROOT, 'lib/adapters/redis/index.ts')],
    'factpulse-rx/otel': [join(ROOT, 'lib/adapters/otel/index.ts')],
  },
};

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = tsBlocks(readme);
const checked = blocks.filter((b) => !b.fragment);

/** The files to compile: each checked block, with the blocks that continue it appended. */
function filesOf(list: readonly Block[]): { parts: Block[] }[] {
  const files: { parts: Block[] }[] = [];
  for (const block of list) {
    if (block.continues && files.length > 0) files.at(-1)!.parts.push(block);
    else files.push({ parts: [block] });
  }
  return files;
}

describe('README.md TypeScript blocks', () => {
  const dir = join(CACHE, 'readme-blocks', String(process.pid));
  const files = new Map<string, Block>();
  let problems = new Map<Block, string[]>();

  beforeAll(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const parts = new Map<string, Block[]>();
    for (const { parts: list } of filesOf(checked)) {
      const file = join(dir, `readme-line-${list[0]!.line}.mts`);
      writeFileSync(file, list.map((b) => b.code).join('\n'));
      parts.set(file, list);
      files.set(file, list[0]!);
    }
    const program = ts.createProgram([...files.keys()], OPTIONS);
    problems = new Map(checked.map((b) => [b, []]));
    const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    for (const [file, list] of parts) {
      const source = program.getSourceFile(file)!;
      for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
        let { line } = source.getLineAndCharacterOfPosition(d.start ?? 0);
        // The block the line falls in, and the line inside it.
        let block = list[0]!;
        for (const b of list) {
          block = b;
          const count = b.code.split('\n').length;
          if (line < count) break;
          line -= count;
        }
        problems.get(block)!.push(`README.md:${block.line + line}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      }
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the blocks, and marks a fragment only right before a block', () => {
    expect(checked.length).toBeGreaterThanOrEqual(6);
    const count = (marker: string): number => readme.split('\n').filter((l) => l.trim() === marker).length;
    expect(count(FRAGMENT)).toBe(blocks.filter((b) => b.fragment).length);
    expect(count(CONTINUES)).toBe(blocks.filter((b) => b.continues).length);
    expect(blocks[0]?.continues).not.toBe(true);
  });

  it.each(checked.map((b) => [b.line, b] as const))('README.md:%d type-checks under strict + exactOptionalPropertyTypes', (_line, block) => {
    expect(problems.get(block)).toEqual([]);
  });
});

describe('tsBlocks', () => {
  it('reads the fenced ts blocks with their first line and the fragment marker', () => {
    const md = ['# t', '```ts', 'const a = 1;', '```', '', FRAGMENT, '', '```ts', 'x', '```', '```sh', 'ls', '```', CONTINUES, '```ts', 'a;', '```'].join('\n');
    expect(tsBlocks(md)).toEqual([
      { line: 3, code: 'const a = 1;', fragment: false, continues: false },
      { line: 9, code: 'x', fragment: true, continues: false },
      { line: 16, code: 'a;', fragment: false, continues: true },
    ]);
    expect(filesOf(tsBlocks(md).filter((b) => !b.fragment)).map((f) => f.parts.map((b) => b.line))).toEqual([[3, 16]]);
  });
});
