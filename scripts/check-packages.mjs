#!/usr/bin/env node
// Checks what `pnpm publish` would put on the registry, for every published
// package (packages/* without "private"): packs each one with pnpm, as a
// release does, and runs on each tarball
//   - publint (every message counts, suggestions included),
//   - @arethetypeswrong/core, the engine of `attw` (every resolution mode),
//   - this repository's own rules: the repository, homepage and bugs fields
//     agree with the root package.json (the one place they are set), the
//     LICENSE is the root's, the README has no relative link (they are dead
//     on the registry's page), no `workspace:` or `catalog:` range is left,
//     `sideEffects` is false, and every file that an export condition or a
//     source/declaration map points at is in the tarball.
// Needs the packages built (`turbo run build`); `npm test` builds first.
// See docs/guides/releasing.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';

const root = new URL('..', import.meta.url).pathname;
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8');
const repositoryUrl = rootManifest.repository?.url;
const web = rootManifest.homepage?.replace(/#readme$/, '');

const published = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
  .filter((p) => p.manifest.private !== true);

const unbuilt = published.filter((p) => !existsSync(join(root, 'packages', p.dir, 'dist')));
if (unbuilt.length > 0) {
  console.error(`check-packages: build first (turbo run build): no dist/ in ${unbuilt.map((p) => p.dir).join(', ')}`);
  process.exit(1);
}

const out = mkdtempSync(join(tmpdir(), 'sente-packs-'));
try {
  const filters = published.flatMap((p) => ['--filter', p.manifest.name]);
  const pack = spawnSync(process.execPath, [join(root, 'scripts/pnpm.mjs'), '-r', ...filters, 'pack', '--pack-destination', out], {
    cwd: root,
    encoding: 'utf8',
  });
  if (pack.status !== 0) {
    console.error(`check-packages: pnpm pack failed\n${pack.stdout}\n${pack.stderr}`);
    process.exit(1);
  }

  let failed = 0;
  for (const { dir, manifest } of published) {
    const file = join(out, `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`);
    const tarball = readFileSync(file);
    const files = untar(gunzipSync(tarball));
    const problems = [
      ...(await publintProblems(tarball)),
      ...(await attwProblems(tarball)),
      ...ownRules(dir, files),
    ];
    const size = `${(tarball.length / 1024).toFixed(1)} KiB, ${files.size} files`;
    if (problems.length === 0) {
      console.log(`✓ ${manifest.name} (${size}): publint, attw and the repository's rules are clean`);
    } else {
      failed++;
      console.log(`✗ ${manifest.name} (${size}):`);
      for (const p of problems) console.log(`    ${p}`);
    }
  }
  console.log(`check-packages: ${published.length - failed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}

async function publintProblems(tarball) {
  const { messages, pkg } = await publint({ pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.length) }, level: 'suggestion' });
  return messages.map((m) => `publint ${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`);
}

async function attwProblems(tarball) {
  const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(tarball)));
  if (!analysis.types) return ['attw: the package has no types'];
  return analysis.problems.map((p) => `attw ${p.kind}${'entrypoint' in p ? ` (${p.entrypoint}, ${p.resolutionKind})` : ''}`);
}

/** The repository's own rules, on the packed files (`package/...` paths stripped). */
function ownRules(dir, files) {
  const problems = [];
  const text = (name) => files.get(name)?.toString('utf8');
  const pkg = JSON.parse(text('package.json'));

  if (pkg.repository?.url !== repositoryUrl || pkg.repository?.directory !== `packages/${dir}`) {
    problems.push(`repository must be { "url": "${repositoryUrl}", "directory": "packages/${dir}" } (the root package.json's url)`);
  }
  if (pkg.homepage !== `${web}/tree/main/packages/${dir}#readme`) problems.push(`homepage must be ${web}/tree/main/packages/${dir}#readme`);
  if (pkg.bugs?.url !== rootManifest.bugs?.url) problems.push(`bugs.url must be ${rootManifest.bugs?.url}`);
  if (pkg.license !== rootManifest.license) problems.push(`license must be ${rootManifest.license}`);
  if (text('LICENSE') !== rootLicense) problems.push('LICENSE must be shipped, the same text as the root LICENSE');
  // pnpm pack falls back to the root LICENSE; other packers do not.
  const own = join(root, 'packages', dir, 'LICENSE');
  if (!existsSync(own) || readFileSync(own, 'utf8') !== rootLicense) problems.push(`packages/${dir}/LICENSE must be the root LICENSE's text`);
  if (pkg.sideEffects !== false) problems.push('sideEffects must be false, so that bundlers drop what an app does not import');

  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (/^(workspace|catalog):/.test(range)) problems.push(`${field}.${name} is "${range}": not installable from the registry`);
    }
  }

  const readme = text('README.md');
  if (readme === undefined) problems.push('README.md must be shipped');
  for (const [, target] of (readme ?? '').matchAll(/\]\(\s*<?([^)\s>]+)/g)) {
    if (!/^(https?:|mailto:|#)/.test(target)) problems.push(`README.md links to "${target}", which is dead on the registry's page: use an absolute URL`);
  }

  for (const target of exportTargets(pkg.exports)) {
    if (!files.has(posix.normalize(target))) problems.push(`exports point at ${target}, which is not shipped`);
  }
  for (const [name, content] of files) {
    if (!name.endsWith('.map')) continue;
    const map = JSON.parse(content.toString('utf8'));
    (map.sources ?? []).forEach((source, i) => {
      const resolved = posix.normalize(posix.join(posix.dirname(name), map.sourceRoot ?? '', source));
      if (!files.has(resolved) && typeof map.sourcesContent?.[i] !== 'string') {
        problems.push(`${name} maps to ${source}, which is not shipped`);
      }
    });
  }
  return problems;
}

function exportTargets(exports) {
  if (typeof exports === 'string') return [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

/** The regular files of an uncompressed tar archive, by path without the leading `package/`. */
function untar(buffer) {
  const files = new Map();
  let longName;
  for (let at = 0; at + 512 <= buffer.length; ) {
    const header = buffer.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, length) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const body = buffer.subarray(at + 512, at + 512 + size);
    let name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if (type === 'x') {
      const path = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
      if (path !== undefined) longName = path;
    } else if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
    } else if (type === '0') {
      name = name.replace(/^[^/]+\//, '');
      files.set(name, Buffer.from(body));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
