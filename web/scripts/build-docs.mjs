#!/usr/bin/env node
// Writes the API docs into dist/docs: Swagger UI's files from the npm package
// swagger-ui-dist, and docs/index.html with its initializer, which load the
// OpenAPI document from /api/openapi.json. Run after `vite build`, which empties
// dist/. The document itself is written by the dms-openapi generator (Rust).
//
// Usage: node scripts/build-docs.mjs [--dist DIR]
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const args = process.argv.slice(2);
const distIndex = args.indexOf('--dist');
const webRoot = resolve(new URL('..', import.meta.url).pathname);
const dist = resolve(distIndex >= 0 && args[distIndex + 1] ? args[distIndex + 1] : join(webRoot, 'dist'));
const target = join(dist, 'docs');

const require = createRequire(import.meta.url);
const swaggerRoot = dirname(require.resolve('swagger-ui-dist/package.json'));
const swaggerFiles = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'LICENSE', 'NOTICE'];
const ownFiles = ['index.html', 'initializer.js'];

if (!existsSync(dist)) {
  console.error(`Missing ${dist}: run "vite build" first.`);
  process.exit(2);
}
mkdirSync(target, { recursive: true });
for (const file of swaggerFiles) copyFileSync(join(swaggerRoot, file), join(target, file));
for (const file of ownFiles) copyFileSync(join(webRoot, 'docs', file), join(target, file));
console.log(`wrote Swagger UI ${require('swagger-ui-dist/package.json').version} to ${target}`);
