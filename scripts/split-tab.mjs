// Trunk's post-build hook (Trunk.toml): splits the tab's wasm in two and puts both parts
// into the build in place of the single module Trunk made.
//
// The tab is built with the cargo feature `split` (index.html), which makes everything after
// signing in (src/view/signed_in.rs) a split point of wasm_split (the machinery behind
// Leptos's `#[lazy]`) and links with `--emit-relocs` (build.rs). From cargo's output,
// `wasm-split-cli` cuts the first module (paint, Teams, sign-in, sealing) from the second
// (search, results, details, favourites, the device's storage); wasm-bindgen and wasm-opt
// then run as Trunk runs them, with `--keep-lld-exports` so that the second module can reach
// the first one's memory and function table. The first module's files keep Trunk's pattern
// of names with a hash of what they contain; index.html and its integrity hashes are updated.
// docs/performance.md has the numbers; docs/development.md says how to build.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NAME = 'kontakt-tab';
// Trunk's profile → cargo's output folder: index.html's `data-cargo-profile-release`, else `dev`.
const PROFILES = { release: 'wasm-release', debug: 'debug' };

const fail = (message) => {
  console.error(`split-tab: ${message}`);
  process.exit(1);
};
const env = (name) => process.env[name] ?? fail(`${name} is not set: this script is Trunk's post-build hook (Trunk.toml)`);

const profile = env('TRUNK_PROFILE');
const release = profile === 'release';
const staging = env('TRUNK_STAGING_DIR');
const source = env('TRUNK_SOURCE_DIR');
const targetDir = process.env.CARGO_TARGET_DIR ?? join(source, 'target');
const folder = PROFILES[profile] ?? fail(`TRUNK_PROFILE is "${profile}", not one of ${Object.keys(PROFILES).join(', ')}`);
const input = join(targetDir, 'wasm32-unknown-unknown', folder, `${NAME}.wasm`);

const run = (tool, args) => {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (e) {
    fail(`${tool} ${args.join(' ')} failed (${e.code === 'ENOENT' ? 'not installed: run scripts/tools.sh' : e.message})`);
  }
};
const integrity = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

const work = mkdtempSync(join(tmpdir(), 'kontakt-split-'));
try {
  // 1. Cut. The first module imports the loader `./__wasm_split.js`; the loader imports the
  //    first module's JavaScript `./kontakt-tab.js` and fetches `./split_<name>.wasm`.
  run('wasm-split-cli', ['--out-name', NAME, input, work]);
  const chunks = readdirSync(work).filter((f) => f.startsWith('split_') && f.endsWith('.wasm'));
  if (chunks.length === 0) fail(`${input} has no split point: was it built with the feature "split"?`);

  // 2. Bind and optimise as Trunk does (its own run of both is replaced here).
  run('wasm-bindgen', ['--target=web', `--out-dir=${work}/bg`, `--out-name=${NAME}`, '--no-typescript', '--keep-lld-exports', '--no-demangle', join(work, `${NAME}.wasm`)]);
  const wasmFiles = [join(work, 'bg', `${NAME}_bg.wasm`), ...chunks.map((c) => join(work, c))];
  if (release) for (const file of wasmFiles) run('wasm-opt', ['-Oz', `--output=${file}`, file]);

  // 3. Name every file by one hash of them all (they refer to each other in a circle).
  let js = readFileSync(join(work, 'bg', `${NAME}.js`), 'utf8');
  let loader = readFileSync(join(work, '__wasm_split.js'), 'utf8');
  const wasm = readFileSync(wasmFiles[0]);
  const chunkBytes = chunks.map((c) => readFileSync(join(work, c)));
  const all = createHash('sha256');
  // This script too: it writes part of what the files say.
  for (const part of [readFileSync(new URL(import.meta.url)), js, loader, wasm, ...chunkBytes]) all.update(part);
  const hash = all.digest('hex').slice(0, 16);
  const names = {
    js: `${NAME}-${hash}.js`,
    wasm: `${NAME}-${hash}_bg.wasm`,
    loader: `split-${hash}.js`,
    chunks: chunks.map((c) => `${c.slice('split_'.length, -'.wasm'.length).replaceAll('_', '-')}-${hash}.wasm`),
  };
  const replaceEvery = (text, from, to, where) => {
    if (!text.includes(from)) fail(`${where} does not mention ${from}: has wasm-split-cli or wasm-bindgen changed its output?`);
    return text.replaceAll(from, to);
  };
  // Only where it is imported: the imports object handed to the wasm keeps the module name.
  js = replaceEvery(js, 'from "./__wasm_split.js"', `from "./${names.loader}"`, `${NAME}.js`);
  loader = replaceEvery(loader, `./${NAME}.js`, `./${names.js}`, '__wasm_split.js');
  chunks.forEach((c, i) => (loader = replaceEvery(loader, `./${c}`, `./${names.chunks[i]}`, '__wasm_split.js')));

  // 4. Put them in place of Trunk's files, in index.html too.
  const staged = readdirSync(staging);
  const trunkJs = staged.find((f) => f.startsWith(`${NAME}-`) && f.endsWith('.js'));
  const trunkWasm = staged.find((f) => f.startsWith(`${NAME}-`) && f.endsWith('_bg.wasm'));
  if (!trunkJs || !trunkWasm) fail(`Trunk's ${NAME} files are not in ${staging}`);
  const indexPath = join(staging, 'index.html');
  let index = readFileSync(indexPath, 'utf8');
  for (const [old, now, bytes] of [[trunkJs, names.js, js], [trunkWasm, names.wasm, wasm]]) {
    const before = integrity(readFileSync(join(staging, old)));
    index = replaceEvery(index, old, now, 'index.html');
    if (index.includes(before)) index = index.replaceAll(before, integrity(bytes));
    unlinkSync(join(staging, old));
  }
  // The loader is imported by the first module's JavaScript: fetch it beside it, not after.
  const preload = `<link rel=modulepreload crossorigin href=/${names.loader} integrity=${integrity(loader)}>`;
  index = replaceEvery(index, '</head>', `${preload}</head>`, 'index.html');

  writeFileSync(join(staging, names.js), js);
  writeFileSync(join(staging, names.wasm), wasm);
  writeFileSync(join(staging, names.loader), loader);
  chunkBytes.forEach((bytes, i) => writeFileSync(join(staging, names.chunks[i]), bytes));
  writeFileSync(indexPath, index);
  const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
  console.error(`split-tab: ${names.wasm} ${kb(wasm.length)} (first), ${names.chunks.map((n, i) => `${n} ${kb(chunkBytes[i].length)}`).join(', ')} (after sign-in)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
