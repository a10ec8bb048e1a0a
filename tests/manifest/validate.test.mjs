// The Teams app package `kontakt package` writes, checked offline against the schemas that
// Microsoft's own npm package `@microsoft/app-manifest` bundles (the ones the Teams admin
// centre and the Developer Portal validate with).
//   KONTAKT_BIN=target/debug/kontakt node --test tests/manifest/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const { AppManifestUtils } = require('@microsoft/app-manifest');
const Ajv = require('ajv-draft-04');
const addFormats = require('ajv-formats');

const bin = process.env.KONTAKT_BIN ?? 'target/release/kontakt';
const schemas = join(
  require.resolve('@microsoft/app-manifest/package.json'),
  '..', 'build', 'json-schemas', 'teams', 'v1.24',
);
const APP_ID = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const CLIENT_ID = '5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f';

function kontakt(...args) {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${bin}: ${r.error.message}`);
  return r;
}

function build(extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'kontakt-package-'));
  const zip = join(dir, 'app.zip');
  const unpacked = join(dir, 'files');
  const r = kontakt('package', '--app-id', APP_ID, '--client-id', CLIENT_ID,
    '--host', 'contacts.example.com', '--version', '2.1.0', '--developer', 'Contoso IT',
    '--output', zip, '--unpacked', unpacked, ...extra);
  assert.equal(r.status, 0, r.stderr);
  return { dir, zip, unpacked, stdout: r.stdout };
}

const schema = (name) => JSON.parse(readFileSync(join(schemas, name), 'utf8'));
const json = (path) => JSON.parse(readFileSync(path, 'utf8'));

/// The entries of a zip, read from its central directory: name → uncompressed bytes.
function unzip(path) {
  const buf = readFileSync(path);
  let end = buf.length - 22;
  while (end >= 0 && buf.readUInt32LE(end) !== 0x06054b50) end--;
  assert.ok(end >= 0, 'a zip has an end-of-central-directory record');
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const files = new Map();
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50);
    const method = buf.readUInt16LE(at + 10);
    const compressedSize = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataAt, dataAt + compressedSize);
    const data = method === 8 ? inflateRawSync(raw) : raw;
    assert.equal(data.length, size, `${name} inflates to its recorded size`);
    files.set(name, data);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

test('the manifest validates against the bundled Teams schema v1.24', async () => {
  const { unpacked } = build();
  const manifest = json(join(unpacked, 'manifest.json'));
  assert.equal(manifest.manifestVersion, '1.24');
  const errors = await AppManifestUtils.validateAgainstSchema(manifest, schema('MicrosoftTeams.schema.json'));
  assert.deepEqual(errors, []);
  assert.equal(manifest.id, APP_ID);
  assert.equal(manifest.version, '2.1.0');
  assert.deepEqual(manifest.permissions, ['identity']);
  assert.deepEqual(manifest.validDomains, ['contacts.example.com']);
  assert.deepEqual(manifest.webApplicationInfo, {
    id: CLIENT_ID,
    resource: `api://contacts.example.com/${CLIENT_ID}`,
  });
  const [tab] = manifest.staticTabs;
  assert.equal(tab.contentUrl, 'https://contacts.example.com/?inTeams=1');
  assert.deepEqual(tab.scopes, ['personal']);
});

test('the German localization validates against the bundled localization schema', () => {
  const { unpacked } = build();
  // The schema's patterns use \p{…} classes written for .NET; ajv's default `u` flag rejects
  // some of their escapes, so they are compiled as plain regular expressions.
  const ajv = new Ajv({ allErrors: true, strictTypes: false, unicodeRegExp: false });
  addFormats(ajv, ['uri', 'email', 'regex']);
  const validate = ajv.compile(schema('MicrosoftTeams.Localization.schema.json'));
  const de = json(join(unpacked, 'de.json'));
  assert.ok(validate(de), JSON.stringify(validate.errors, null, 2));
  const manifest = json(join(unpacked, 'manifest.json'));
  assert.deepEqual(manifest.localizationInfo.additionalLanguages, [{ languageTag: 'de', file: 'de.json' }]);
  // Every key translates a field the manifest has.
  for (const key of Object.keys(de).filter((k) => k !== '$schema')) {
    const value = key.split('.').reduce((v, part) => {
      const m = part.match(/^(\w+)\[(\d+)\]$/);
      return m ? v?.[m[1]]?.[Number(m[2])] : v?.[part];
    }, manifest);
    assert.equal(typeof value, 'string', `${key} names a text of the manifest`);
  }
});

test('the zip holds the manifest, the localization and both icons at its root', () => {
  const { zip, unpacked } = build();
  const files = unzip(zip);
  assert.deepEqual([...files.keys()].sort(), ['color.png', 'de.json', 'manifest.json', 'outline.png']);
  for (const name of files.keys()) {
    assert.ok(files.get(name).equals(readFileSync(join(unpacked, name))), `${name} in the zip is the unpacked file`);
  }
  const manifest = JSON.parse(files.get('manifest.json'));
  for (const icon of Object.values(manifest.icons)) assert.ok(files.has(icon), `${icon} is in the zip`);
  const png = (bytes) => [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  assert.deepEqual(png(files.get('color.png')), [192, 192]);
  assert.deepEqual(png(files.get('outline.png')), [32, 32]);
});

test('bad input is refused with a message naming the option, and no zip is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kontakt-package-bad-'));
  writeFileSync(join(dir, 'not-a-png.png'), 'hello');
  const zip = join(dir, 'app.zip');
  const r = kontakt('package', '--app-id', 'my-app', '--client-id', CLIENT_ID,
    '--host', 'https://contacts.example.com/tab', '--outline-icon', join(dir, 'not-a-png.png'),
    '--color-icon', join(dir, 'missing.png'), '--output', zip);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--app-id: "my-app" is not a GUID/);
  assert.match(r.stderr, /--host: .* has a scheme \(https:\/\/\)/);
  assert.match(r.stderr, /--color-icon: cannot read .*missing\.png/);
  assert.match(r.stderr, /--outline-icon: .*not-a-png\.png: not a PNG/);
  assert.match(r.stderr, /no package written: 4 problems/);
  assert.deepEqual(readdirSync(dir), ['not-a-png.png']);
});

test('an admin\'s own icons go into the package after checking', () => {
  const { unpacked } = build();
  const dir = mkdtempSync(join(tmpdir(), 'kontakt-icons-'));
  copyFileSync(join(unpacked, 'color.png'), join(dir, 'big.png'));
  // The colour icon as an outline icon: wrong size, refused.
  const r = kontakt('package', '--app-id', APP_ID, '--client-id', CLIENT_ID, '--host', 'contacts.example.com',
    '--outline-icon', join(dir, 'big.png'), '--output', join(dir, 'app.zip'));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--outline-icon: .*big\.png: is 192×192 pixels; Teams needs 32×32/);
  const ok = build(['--color-icon', join(dir, 'big.png')]);
  assert.ok(readFileSync(join(ok.unpacked, 'color.png')).equals(readFileSync(join(dir, 'big.png'))));
  assert.match(ok.stdout, /Upload .*app\.zip in the Teams admin centre/);
});
