// npm always packs the root README.md; the package's users need docs/package-readme.md instead
// (this repository's README.md is for people working on the repository: `npm start`, `npm test`).
// `prepack` runs `swap` last, `postpack` runs `restore`, so README.md is the repository's again as
// soon as the tarball is written. A pack that failed in between leaves the saved copy behind; the
// next `swap` or `restore` puts it back first, so the repository's README is never lost.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = path.join(root, 'README.md');
const packageReadme = path.join(root, 'docs', 'package-readme.md');
const saved = path.join(root, '.data', 'pack', 'README.repository.md');

function restore() {
  if (!existsSync(saved)) return;
  // Someone edited README.md while the package's README stood in for it: keep their edit, say where the guide is.
  if (readFileSync(readme, 'utf8') !== readFileSync(packageReadme, 'utf8')) {
    console.error(`README.md changed during the pack; the repository's README is saved in ${path.relative(root, saved)}`);
    process.exitCode = 1;
    return;
  }
  copyFileSync(saved, readme);
  rmSync(saved);
}

function swap() {
  restore();
  mkdirSync(path.dirname(saved), { recursive: true });
  copyFileSync(readme, saved);
  copyFileSync(packageReadme, readme);
}

const command = process.argv[2];
if (command === 'swap') swap();
else if (command === 'restore') restore();
else {
  console.error('usage: node scripts/package-readme.mjs swap|restore');
  process.exitCode = 2;
}
