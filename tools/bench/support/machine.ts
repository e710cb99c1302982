import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporalCliVersion } from '../../../test/support/dev-server';
import { REPO_ROOT } from './paths';

/** Where and with what a run was measured. */
export interface MachineInfo {
  date: string;
  nproc: number;
  memoryGiB: number;
  cpuModel: string;
  loadAverage: number[];
  node: string;
  temporalCli: string;
  temporalCliPath: string;
  sdk: string;
  express: string;
  jose: string;
  /** The commit measured, and product files changed since it (other work in progress in the same tree). */
  commit: string;
  uncommitted: string[];
}

/** Folders whose code the benchmarks measure. */
const PRODUCT_FOLDERS = ['lib', 'callback-gateway', 'worker', 'workflows', 'activities'];

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function packageVersion(name: string): string {
  const file = path.join(REPO_ROOT, 'node_modules', ...name.split('/'), 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

/** Collects {@link MachineInfo} now. */
export function machineInfo(): MachineInfo {
  const temporal = temporalCliVersion();
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    cpuModel: cpuModel(),
    loadAverage: os.loadavg(),
    node: process.version,
    temporalCli: temporal.version,
    temporalCliPath: temporal.cli,
    sdk: `@temporalio/worker ${packageVersion('@temporalio/worker')}, @temporalio/client ${packageVersion('@temporalio/client')}`,
    express: packageVersion('express'),
    jose: packageVersion('jose'),
    commit: git(['log', '-1', '--format=%h %s']) || 'unknown',
    uncommitted: git(['status', '--porcelain', '--', ...PRODUCT_FOLDERS]).split('\n').filter(Boolean).map((line) => line.slice(3)),
  };
}
