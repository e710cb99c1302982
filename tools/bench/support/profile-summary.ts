import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One row of a profile summary. */
export interface ProfileRow {
  name: string;
  ms: number;
  /** Per request, when the request count is known. */
  usPerRequest?: number;
  /** Share of the busy (non-idle) time, in percent. */
  pct: number;
}

/** Where a CPU profile says the time went. */
export interface ProfileSummary {
  file: string;
  /** Sampled time in which the process was not idle. */
  busyMs: number;
  /** Requests served while profiling, when known. */
  requests?: number;
  /** Self time by function, highest first. */
  topSelf: ProfileRow[];
  /** Self time by package (`node_modules/<pkg>`), Node internals, GC, or this repository's folder. */
  byPackage: ProfileRow[];
  /** Inclusive time (self plus callees, up to the next middleware) of this repository's own functions and selected library calls. */
  inclusive: ProfileRow[];
}

const SPECIAL = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

function packageOf(url: string, functionName: string): string {
  if (SPECIAL.has(functionName)) return functionName;
  if (!url) return '(native)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  if (url.startsWith('node:')) {
    if (url.includes('http2')) return 'node:http2 (gRPC transport)';
    if (url.includes('_http_')) return 'node:http';
    if (/streams|stream_base|node:net|node:internal\/net/.test(url)) return 'node:net/streams';
    return 'node (other internals)';
  }
  const file = url.replace(/^file:\/\//, '');
  if (file.startsWith(REPO_ROOT)) return path.relative(REPO_ROOT, file).split(path.sep)[0]! + '/';
  return url;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (SPECIAL.has(functionName)) return functionName;
  const file = url.replace(/^file:\/\//, '');
  const where = file.includes('node_modules/')
    ? file.slice(file.lastIndexOf('node_modules/') + 'node_modules/'.length)
    : file.startsWith(REPO_ROOT)
      ? path.relative(REPO_ROOT, file)
      : file;
  return `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : '(native)'}`;
}

/** Library entry points worth an inclusive figure in a gateway profile. */
const INCLUSIVE_LIBRARY_FRAMES = /^(jwtVerify|compactVerify|flattenedVerify|decodeProtectedHeader|jsonParser|read|getBody|safeParse|randomUUID|signal|withDeadline|json|send|parse|stringify|writeHead|end)$/;

/**
 * Express dispatches to the next middleware from inside the current one (`next()` is a plain
 * call), so a middleware's stack holds every later middleware. Time is credited to frames only up
 * to the nearest dispatch frame of the router below them: a middleware's figure is its own work.
 */
function isDispatch(url: string): boolean {
  return url.includes('node_modules/router/') || url.includes('node_modules/express/lib/application.js');
}

/**
 * Summarises a `.cpuprofile`: self time per function and per package, and inclusive time of the
 * repository's own functions (and a few library entry points) up to the next middleware, as
 * shares of busy time.
 */
export function summarizeProfile(file: string, requests?: number, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0));
  }
  let busyUs = 0;
  const selfByName = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  const inclusiveByName = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    busyUs += us;
    const name = frameName(node);
    selfByName.set(name, (selfByName.get(name) ?? 0) + us);
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + us);
    // Inclusive: every distinct interesting frame between this sample and the nearest dispatch gets the time once.
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current)!;
      const { url, functionName } = frame.callFrame;
      if (isDispatch(url)) break;
      const own = url.includes(REPO_ROOT) && !url.includes('node_modules/');
      if (!own && !(url.includes('node_modules/') && INCLUSIVE_LIBRARY_FRAMES.test(functionName))) continue;
      const key = frameName(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusiveByName.set(key, (inclusiveByName.get(key) ?? 0) + us);
    }
  }
  const rows = (map: Map<string, number>, limit: number): ProfileRow[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / busyUs, ...(requests ? { usPerRequest: us / requests } : {}) }));
  return {
    file: path.relative(REPO_ROOT, file),
    busyMs: busyUs / 1000,
    ...(requests ? { requests } : {}),
    topSelf: rows(selfByName, top),
    byPackage: rows(selfByPackage, top),
    inclusive: rows(inclusiveByName, top),
  };
}

/** A profile summary as markdown. */
export function profileMarkdown(title: string, summary: ProfileSummary): string {
  const perRequest = summary.requests !== undefined;
  const table = (heading: string, rows: ProfileRow[]) =>
    [
      `| ${heading} | ms | % of busy |${perRequest ? ' µs per request |' : ''}`,
      `| --- | ---: | ---: |${perRequest ? ' ---: |' : ''}`,
      ...rows.map((row) => `| \`${row.name}\` | ${row.ms.toFixed(0)} | ${row.pct.toFixed(1)} |${perRequest ? ` ${(row.usPerRequest ?? NaN).toFixed(0)} |` : ''}`),
    ].join('\n');
  const busy = `${summary.busyMs.toFixed(0)} ms busy${perRequest ? ` over ${summary.requests} requests (${((1000 * summary.busyMs) / summary.requests!).toFixed(0)} µs each, profiler overhead included)` : ''}`;
  return [
    `#### ${title}`,
    '',
    `Profile: \`${summary.file}\`, ${busy}.`,
    '',
    table('Self time by package', summary.byPackage),
    '',
    table('Self time by function', summary.topSelf),
    '',
    table('Inclusive time up to the next middleware (own code, selected library calls)', summary.inclusive),
  ].join('\n');
}
