#!/usr/bin/env node
// Prints the gzip size of the JavaScript that index.html loads before the
// app can render: the scripts and modulepreloads it names, plus every chunk
// they import statically (from Vite's build manifest). Lazy chunks are
// listed apart and not counted.
//
// Usage: node scripts/bundle-size.mjs [--dist DIR] [--max-kb N]
// Exits 1 when the initial JavaScript is above --max-kb (default 250) KiB gzip.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
function option(name, fallback) {
  const index = args.indexOf(name);
  return index >= 0 && args[index + 1] ? args[index + 1] : fallback;
}

const dist = resolve(option('--dist', new URL('../dist', import.meta.url).pathname));
const maxKiB = Number(option('--max-kb', '250'));
const indexPath = join(dist, 'index.html');
const manifestPath = join(dist, '.vite', 'manifest.json');

if (!existsSync(indexPath) || !existsSync(manifestPath)) {
  console.error(`Missing ${indexPath} or ${manifestPath}: run "npm run build" first.`);
  process.exit(2);
}

const html = readFileSync(indexPath, 'utf8');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

// Files index.html references directly: <script src> and <link rel="modulepreload" href>.
const referenced = new Set();
for (const match of html.matchAll(/<script\b[^>]*\bsrc="([^"]+\.js)"/g)) referenced.add(match[1].replace(/^\//, ''));
for (const match of html.matchAll(/<link\b[^>]*rel="modulepreload"[^>]*href="([^"]+\.js)"/g)) {
  referenced.add(match[1].replace(/^\//, ''));
}

// Follow static imports through the manifest, starting at the chunks for those files.
const chunkByFile = new Map(Object.entries(manifest).map(([key, chunk]) => [chunk.file, key]));
const initial = new Set();
const pending = [...referenced].map((file) => chunkByFile.get(file)).filter(Boolean);
for (const file of referenced) initial.add(file);
while (pending.length > 0) {
  const key = pending.pop();
  const chunk = manifest[key];
  initial.add(chunk.file);
  for (const imported of chunk.imports ?? []) {
    if (!initial.has(manifest[imported].file)) pending.push(imported);
  }
}

function gzipSize(file) {
  return gzipSync(readFileSync(join(dist, file))).length;
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(2)} KiB`;
}

let total = 0;
console.log('Initial JavaScript (gzip, zlib default level):');
for (const file of [...initial].sort()) {
  const size = gzipSize(file);
  total += size;
  console.log(`  ${file.padEnd(48)} ${kib(size).padStart(12)}`);
}
console.log(`  ${'total'.padEnd(48)} ${kib(total).padStart(12)}`);

const lazy = Object.values(manifest)
  .map((chunk) => chunk.file)
  .filter((file) => file.endsWith('.js') && !initial.has(file));
let lazyTotal = 0;
for (const file of lazy) lazyTotal += gzipSize(file);
console.log(`Lazy JavaScript, loaded on demand: ${lazy.length} chunks, ${kib(lazyTotal)} gzip.`);

if (total > maxKiB * 1024) {
  console.error(`Initial JavaScript is ${kib(total)} gzip, above the budget of ${maxKiB} KiB.`);
  process.exit(1);
}
