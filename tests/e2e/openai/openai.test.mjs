// The gateway through the official OpenAI SDK: the real nexus-hub (registry, stats and gateway over
// loopback gRPC) in front of nexus-fake-upstream, configured through the admin REST API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI, { AuthenticationError, NotFoundError } from 'openai';

const BIN = process.env.NEXUS_BIN_DIR;
const ADMIN_TOKEN = 'e2e-openai-admin-token-0123456789';
const children = [];
let dataDir;
let base;
let clientKey;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function start(name, args, env) {
  const binary = path.join(BIN, name);
  assert.ok(existsSync(binary), `${binary} is not built`);
  const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.output = '';
  child.stdout.on('data', (d) => { child.output += d; });
  child.stderr.on('data', (d) => { child.output += d; });
  children.push(child);
  return child;
}

async function waitFor(check, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try { if (await check()) return; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

async function admin(method, route, body) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${route}: ${res.status} ${text}`);
  return JSON.parse(text);
}

before(async () => {
  assert.ok(BIN, 'NEXUS_BIN_DIR must be set (ctest sets it)');
  dataDir = mkdtempSync(path.join(tmpdir(), 'nexus-openai-e2e-'));
  const upstream = start('nexus-fake-upstream', ['--port=0', '--control=true'], {});
  await waitFor(() => /listening on 127\.0\.0\.1:(\d+)/.test(upstream.output), 'the fake upstream');
  const upstreamPort = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(upstream.output)[1]);
  const [gatewayPort, registryPort, statsPort] = [await freePort(), await freePort(), await freePort()];
  base = `http://127.0.0.1:${gatewayPort}`;
  const hub = start('nexus-hub', [], {
    NEXUS_DATA_DIR: dataDir,
    NEXUS_ADMIN_TOKEN: ADMIN_TOKEN,
    NEXUS_MASTER_KEY: 'b'.repeat(64),
    NEXUS_GATEWAY_LISTEN: `127.0.0.1:${gatewayPort}`,
    NEXUS_REGISTRY_ADDR: `127.0.0.1:${registryPort}`,
    NEXUS_STATS_ADDR: `127.0.0.1:${statsPort}`,
  });
  await waitFor(async () => (await fetch(`${base}/readyz`)).ok, `nexus-hub on ${base}`).catch((e) => {
    throw new Error(`${e.message}\n--- nexus-hub output ---\n${hub.output}`);
  });
  const provider = await admin('POST', '/api/admin/providers', {
    name: 'fake', base_url: `http://127.0.0.1:${upstreamPort}/v1`, api_key: 'sk-fake-upstream-e2e-key',
  });
  await admin('POST', `/api/admin/providers/${provider.id}/models`, { name: 'fake-model' });
  const key = await admin('POST', '/api/admin/keys', { name: 'openai-sdk' });
  clientKey = key.key;
  assert.ok(clientKey, `no secret in ${JSON.stringify(key)}`);
  // The gateway learns of the new model through the registry's watch stream.
  await waitFor(async () => {
    const res = await fetch(`${base}/v1/models`, { headers: { Authorization: `Bearer ${clientKey}` } });
    return res.ok && (await res.json()).data.length === 1;
  }, 'the model to be routable');
});

after(async () => {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function client(apiKey = clientKey) {
  return new OpenAI({ apiKey, baseURL: `${base}/v1`, maxRetries: 0 });
}

test('chat completion without streaming', async () => {
  const completion = await client().chat.completions.create({
    model: 'fake-model',
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.choices[0].message.content, 'Hello from the fake upstream.');
  assert.equal(completion.usage.prompt_tokens, 9);
  assert.equal(completion.usage.completion_tokens, 5);
});

test('streamed chat completion with include_usage', async () => {
  const stream = await client().chat.completions.create({
    model: 'fake-model',
    messages: [{ role: 'user', content: 'Say hello' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.choices.length > 0) text += chunk.choices[0].delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, 'Hello from the fake upstream.');
  assert.deepEqual([usage.prompt_tokens, usage.completion_tokens, usage.total_tokens], [9, 5, 14]);
});

test('models list', async () => {
  const ids = [];
  for await (const model of client().models.list()) ids.push(model.id);
  assert.deepEqual(ids, ['fake-model']);
});

test('a bad key surfaces as the SDK AuthenticationError', async () => {
  await assert.rejects(
    client('nx-this-key-does-not-exist-000000').chat.completions.create({
      model: 'fake-model', messages: [{ role: 'user', content: 'x' }],
    }),
    (error) => error instanceof AuthenticationError && error.status === 401 && /API key/.test(error.message),
  );
});

test('an unknown model surfaces as the SDK NotFoundError', async () => {
  await assert.rejects(
    client().chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof NotFoundError && error.code === 'model_not_found',
  );
});
