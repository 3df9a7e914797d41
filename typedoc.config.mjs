// TypeDoc configuration of `npm run docs` (the API reference in docs/api). A JavaScript file
// rather than typedoc.json because of `markdownItLoader` below. `npm run docs` fails on any
// warning (--treatWarningsAsErrors), so does the CI step.

/**
 * README headings such as "## Many tasks: `createTaskClient`" keep their code in the page's
 * table of contents and in their anchor: TypeDoc reads a heading's text from its text tokens
 * only, so each inline code span of a heading becomes `<code>` + text + `</code>` (the same
 * HTML on the page).
 *
 * @param {import('markdown-it').default} parser
 */
function headingCodeInToc(parser) {
  parser.core.ruler.push('factpulse-heading-code', (state) => {
    const tokens = state.tokens;
    for (let i = 1; i < tokens.length; i++) {
      if (tokens[i - 1].type !== 'heading_open' || tokens[i].type !== 'inline' || !tokens[i].children) continue;
      tokens[i].children = tokens[i].children.flatMap((child) => {
        if (child.type !== 'code_inline') return [child];
        const open = new state.Token('html_inline', '', 0);
        open.content = '<code>';
        const text = new state.Token('text', '', 0);
        text.content = child.content;
        const close = new state.Token('html_inline', '', 0);
        close.content = '</code>';
        return [open, text, close];
      });
    }
  });
}

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  entryPoints: [
    'lib/index.ts',
    'lib/simulator/index.ts',
    'lib/adapters/ws/index.ts',
    'lib/adapters/sse/index.ts',
    'lib/adapters/webhook/index.ts',
    'lib/adapters/angular/index.ts',
    'lib/adapters/redis/index.ts',
    'lib/adapters/otel/index.ts',
  ],
  tsconfig: 'tsconfig.build.json',
  out: 'docs/api',
  excludeInternal: true,
  excludePrivate: true,
  name: 'factpulse-rx',
  readme: 'README.md',
  // Each entry point's doc comment names its module by its import path (`@module factpulse-rx/ws`).
  // No source links: the package has no repository URL to link them to.
  disableSources: true,
  validation: { notExported: true, invalidLink: true },
  markdownItLoader: headingCodeInToc,
};
