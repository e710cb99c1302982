import path from 'node:path';
import { loadDevServerConfig } from '../cli/config';

/**
 * Where `durable-callbacks dev-server` keeps the dev server's data: under the folder it is run from,
 * never beside `temporal-dev.sh`, which is inside `node_modules/` once the package is installed.
 */
describe('the dev server data folder', () => {
  const cwd = path.join(path.sep, 'home', 'dana', 'my-app');

  test('is .data/temporal under the working directory by default', () => {
    expect(loadDevServerConfig({}, cwd).dataDir).toBe(path.join(cwd, '.data', 'temporal'));
  });

  test('follows DURABLE_CALLBACKS_DATA_DIR, beside the dev signing secret', () => {
    expect(loadDevServerConfig({ DURABLE_CALLBACKS_DATA_DIR: 'state' }, cwd).dataDir).toBe(path.join(cwd, 'state', 'temporal'));
    expect(loadDevServerConfig({ DURABLE_CALLBACKS_DATA_DIR: '/var/lib/dc' }, cwd).dataDir).toBe(path.join('/var/lib/dc', 'temporal'));
  });

  test('is TEMPORAL_DATA_DIR when set, relative to the working directory', () => {
    expect(loadDevServerConfig({ TEMPORAL_DATA_DIR: '/srv/temporal', DURABLE_CALLBACKS_DATA_DIR: 'state' }, cwd).dataDir).toBe('/srv/temporal');
    expect(loadDevServerConfig({ TEMPORAL_DATA_DIR: 'tmp/t' }, cwd).dataDir).toBe(path.join(cwd, 'tmp', 't'));
  });

  test('an empty TEMPORAL_DATA_DIR is refused with its name', () => {
    expect(() => loadDevServerConfig({ TEMPORAL_DATA_DIR: ' ' }, cwd)).toThrow(/TEMPORAL_DATA_DIR/);
  });
});
