// The system under test for the end-to-end suites: the real nexus-hub (registry, stats and gateway
// over loopback gRPC) in front of nexus-fake-upstream, each on a free loopback port, with a
// throw-away data directory. Shared by the OpenAI SDK and the console suites.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function waitFor(check, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try { if (await check()) return; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

// Starts the fake upstream and the hub; `env` adds hub settings (e.g. NEXUS_WEB_ROOT).
// Returns { base, upstreamPort, stop }.
export async function startHubStack({ name, adminToken, masterKey, env = {} }) {
  const bin = process.env.NEXUS_BIN_DIR;
  assert.ok(bin, 'NEXUS_BIN_DIR must be set (ctest sets it)');
  const children = [];
  const start = (binaryName, args, childEnv) => {
    const binary = path.join(bin, binaryName);
    assert.ok(existsSync(binary), `${binary} is not built`);
    const child = spawn(binary, args, {
      env: { ...process.env, ...childEnv }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.output = '';
    child.stdout.on('data', (d) => { child.output += d; });
    child.stderr.on('data', (d) => { child.output += d; });
    children.push(child);
    return child;
  };
  const dataDir = mkdtempSync(path.join(tmpdir(), `nexus-${name}-e2e-`));
  const stop = async () => {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };

  const listening = /listening on 127\.0\.0\.1:(\d+)/;
  const upstream = start('nexus-fake-upstream', ['--port=0', '--control=true'], {});
  await waitFor(() => listening.test(upstream.output), 'the fake upstream');
  const upstreamPort = Number(listening.exec(upstream.output)[1]);

  const [gatewayPort, registryPort, statsPort] = [await freePort(), await freePort(), await freePort()];
  const base = `http://127.0.0.1:${gatewayPort}`;
  const hub = start('nexus-hub', [], {
    NEXUS_DATA_DIR: dataDir,
    NEXUS_ADMIN_TOKEN: adminToken,
    NEXUS_MASTER_KEY: masterKey,
    NEXUS_GATEWAY_LISTEN: `127.0.0.1:${gatewayPort}`,
    NEXUS_REGISTRY_ADDR: `127.0.0.1:${registryPort}`,
    NEXUS_STATS_ADDR: `127.0.0.1:${statsPort}`,
    ...env,
  });
  await waitFor(async () => (await fetch(`${base}/readyz`)).ok, `nexus-hub on ${base}`).catch(async (e) => {
    await stop();
    throw new Error(`${e.message}\n--- nexus-hub output ---\n${hub.output}`);
  });
  return { base, upstreamPort, stop };
}
