// `npm run build [-- <outDir>]`: compiles src/ and migrations/ with tsc (tsconfig.build.json)
// into dist/ (or <outDir>, which must be inside the project so node_modules resolves), then
// writes the entry `dist/main.js`. Plain JavaScript: building needs no tsx.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = path.resolve(root, process.argv[2] ?? 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(outDir, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', outDir], { stdio: 'inherit', cwd: root });
writeFileSync(
  path.join(outDir, 'main.js'),
  '// The production entry: `node dist/main.js` runs the compiled service (no tsx).\nimport \'./src/main.js\';\n',
);
console.log(`built ${path.relative(root, outDir) || '.'}/main.js`);
