'use strict';
// Lets plain `node` run the TypeScript sources (for subprocess tests of the command) without a
// build step or ts-node: `.ts` files are transpiled on the fly with typescript.transpileModule,
// and relative `./x.js` imports resolve to `./x.ts` when only the TypeScript file exists.
// Compiled output is cached in the temp directory (keyed by path and source), so only the first
// run pays for loading TypeScript.
// Usage: node --require ./spec/helpers/ts-register.cjs some-entry.cjs
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const Module = require('node:module');

const CACHE = path.join(os.tmpdir(), 'factpulse-rx-ts-register-cache');
const TS_VERSION = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json'), 'utf8')).version;
let ts;

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveTs(request, parent, ...rest) {
  if (parent && parent.filename && /^\.{1,2}\//.test(request) && request.endsWith('.js')) {
    const candidate = path.resolve(path.dirname(parent.filename), request.slice(0, -3) + '.ts');
    if (!fs.existsSync(path.resolve(path.dirname(parent.filename), request)) && fs.existsSync(candidate)) {
      return candidate;
    }
  }
  return originalResolve.call(this, request, parent, ...rest);
};

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(`${TS_VERSION}\0${filename}\0`).update(source).digest('hex');
  const cached = path.join(CACHE, `${key}.js`);
  let compiled;
  try {
    compiled = fs.readFileSync(cached, 'utf8');
  } catch {
    compiled = undefined;
  }
  if (compiled !== undefined) {
    module._compile(compiled, filename);
    return;
  }
  ts ??= require('typescript');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      sourceMap: false,
      inlineSourceMap: true,
    },
  });
  try {
    fs.mkdirSync(CACHE, { recursive: true });
    const partial = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(partial, outputText);
    fs.renameSync(partial, cached);
  } catch {
    // a read-only temp directory only costs speed
  }
  module._compile(outputText, filename);
};
