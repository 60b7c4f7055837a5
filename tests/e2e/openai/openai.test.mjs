// The gateway through the official OpenAI SDK: the real nexus-hub (registry, stats and gateway over
// loopback gRPC) in front of nexus-fake-upstream, configured through the admin REST API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { AuthenticationError, NotFoundError } from 'openai';
import { startHubStack, waitFor } from './hub_stack.mjs';

const ADMIN_TOKEN = 'e2e-openai-admin-token-0123456789';
let stack;
let base;
let clientKey;

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
  stack = await startHubStack({ name: 'openai', adminToken: ADMIN_TOKEN, masterKey: 'b'.repeat(64) });
  ({ base } = stack);
  const provider = await admin('POST', '/api/admin/providers', {
    name: 'fake', base_url: `http://127.0.0.1:${stack.upstreamPort}/v1`, api_key: 'sk-fake-upstream-e2e-key',
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
  if (stack) await stack.stop();
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
