// Jest transform for Angular's packages, which ship ES modules only (`fesm2022/*.mjs`): rewrites
// their import/export syntax to CommonJS with TypeScript's transpiler, so the rest of the suite
// keeps running as CommonJS under ts-jest. Nothing else in the code is changed (the target stays
// ES2022).
'use strict';
const { createHash } = require('node:crypto');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  allowJs: true,
  esModuleInterop: false,
  sourceMap: false,
  inlineSourceMap: true,
  inlineSources: false,
};

module.exports = {
  process(sourceText, sourcePath) {
    const { outputText } = ts.transpileModule(sourceText, { compilerOptions, fileName: sourcePath.replace(/\.mjs$/, '.js'), reportDiagnostics: false });
    return { code: outputText };
  },
  getCacheKey(sourceText, sourcePath) {
    return createHash('sha256').update(ts.version).update('\0').update(sourcePath).update('\0').update(sourceText).update('\0v1').digest('hex');
  },
};
