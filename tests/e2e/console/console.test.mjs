// Browser tests of the NexusAI Hub console: headless Debian Chromium (playwright-core) against the
// real nexus-hub (registry, stats and gateway over loopback gRPC) and nexus-fake-upstream.
// Walks the console like a user and saves a screenshot of every page in both themes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startHubStack, waitFor } from './hub_stack.mjs';

const WEB_ROOT = process.env.NEXUS_WEB_ROOT;
const ARTIFACTS = process.env.NEXUS_E2E_ARTIFACTS || path.resolve('artifacts');
const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';
const XSS_DESCRIPTION = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> plain words';
const REPLY_PIECES = [
  '## Sorting in Python\n\n',
  'Use **sorted()** for a new list:\n\n',
  '```python\nnumbers = [3, 1, 2]\nprint(sorted(numbers))\n```\n\n',
  '<img src=x onerror="window.__xss=3"><script>window.__xss=4</script>\n\n',
  '- stable\n- fast\n',
];

let stack;
let browser;
let base;
let upstreamPort;

before(async () => {
  assert.ok(WEB_ROOT, 'NEXUS_WEB_ROOT must be set (ctest sets it)');
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startHubStack({
    name: 'console', adminToken: ADMIN_TOKEN, masterKey: 'a'.repeat(64),
    env: { NEXUS_WEB_ROOT: WEB_ROOT },
  });
  ({ base, upstreamPort } = stack);

  browser = await chromium.launch({
    executablePath: process.env.NEXUS_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});

async function newPage(theme, viewport = { width: 1360, height: 900 }) {
  const context = await browser.newContext({ viewport, colorScheme: theme });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    // DOMPurify parses untrusted HTML in an inert document; Chrome still reports the inline
    // handlers the CSP refused there. Those are the sanitizer at work, not an injection.
    if (m.type() === 'error' && !m.location().url.endsWith('/vendor/purify.es.mjs')) page.errors.push(m.text());
  });
  return page;
}

async function signIn(page) {
  await page.goto(base);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Providers', exact: true }).waitFor();
}

async function shoot(page, name, theme) {
  await page.waitForTimeout(300);  // let charts and fonts settle before the picture
  await page.screenshot({ path: path.join(ARTIFACTS, `console-${name}-${theme}.png`), fullPage: true });
}

async function xssFlag(page) { return page.evaluate(() => window.__xss); }

test('sign-in rejects a wrong token in plain words', async () => {
  const page = await newPage('light');
  await page.goto(base);
  await shoot(page, 'signin', 'light');
  await page.getByLabel('Admin token').fill('not-the-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('That token is not the admin token').waitFor();
  const headers = (await page.request.get(base)).headers();
  assert.match(headers['content-security-policy'], /script-src 'self'/);
  assert.equal(headers['x-frame-options'], 'DENY');
  await page.context().close();
});

test('a user sets up a provider, a model and a key, chats, and sees the statistics', async () => {
  const page = await newPage('light');
  await signIn(page);
  await shoot(page, 'providers-empty', 'light');

  // Provider with a hostile description: shown as text, never run.
  await page.getByRole('button', { name: 'Add provider' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('Fake upstream');
  await dialog.getByLabel('Base URL').fill(`http://127.0.0.1:${upstreamPort}/v1`);
  await dialog.getByLabel('API key').fill('sk-e2e-upstream-key-WXYZ');
  await dialog.getByLabel('Description').fill(XSS_DESCRIPTION);
  await dialog.getByRole('button', { name: 'Add provider' }).click();
  const card = page.getByRole('region', { name: 'Provider Fake upstream' });
  await card.waitFor();
  await card.getByText(XSS_DESCRIPTION).waitFor();
  assert.equal(await card.locator('img').count(), 0, 'the description must not become markup');
  assert.match(await card.innerText(), /WXYZ/);
  assert.doesNotMatch(await card.innerText(), /sk-e2e-upstream-key/);

  // A validation error names the field in plain words.
  await card.getByRole('button', { name: 'Add model' }).click();
  await page.getByRole('dialog').getByLabel('Model name').fill('has space');
  await page.getByRole('dialog').getByRole('button', { name: 'Add model' }).click();
  await page.getByRole('dialog').getByRole('alert').waitFor();
  await page.getByRole('dialog').getByLabel('Model name').fill('fake-model');
  await page.getByRole('dialog').getByRole('button', { name: 'Add model' }).click();
  await card.getByRole('cell', { name: 'fake-model' }).first().waitFor();
  await shoot(page, 'providers', 'light');

  // A client key: the secret is shown once, with a copy button.
  await page.getByRole('link', { name: 'Keys' }).click();
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByRole('dialog').getByLabel('Name').fill('alice');
  await page.getByRole('dialog').getByLabel('Requests per minute').fill('120');
  await page.getByRole('dialog').getByRole('button', { name: 'Create key' }).click();
  const secret = await page.locator('#new-key-secret').inputValue();
  assert.ok(secret.length > 20, 'the new key is shown');
  await page.getByRole('button', { name: 'Copy' }).waitFor();
  await page.getByRole('button', { name: 'I have saved it' }).click();
  await page.getByRole('cell', { name: /^alice created/ }).waitFor();
  assert.doesNotMatch(await page.locator('main').innerText(), new RegExp(secret));
  await shoot(page, 'keys', 'light');

  // The key works against the OpenAI-compatible API.
  const models = await fetch(`${base}/v1/models`, { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(models.status, 200);

  // Playground: a streamed Markdown answer with highlighted code; hostile markup is neutralised.
  await fetch(`http://127.0.0.1:${upstreamPort}/_fake/script`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ pieces: REPLY_PIECES, event_delay_ms: 40 }),
  });
  await page.getByRole('link', { name: 'Playground' }).click();
  await page.locator('.status-dot[data-status="ready"]').waitFor();
  await page.getByLabel('System prompt').fill('You are terse.');
  await page.getByLabel('Message').fill('How do I sort a list in Python?');
  await page.getByRole('button', { name: 'Send' }).click();
  const reply = page.locator('.bubble-assistant').last();
  await reply.locator('.bubble-meta').filter({ hasText: 'tokens' }).waitFor({ timeout: 20000 });
  assert.equal(await reply.locator('h2').innerText(), 'Sorting in Python');
  assert.equal(await reply.locator('strong').innerText(), 'sorted()');
  assert.ok(await reply.locator('pre code.hljs .hljs-built_in, pre code.hljs span').count() > 0, 'code is highlighted');
  assert.equal(await reply.locator('li').count(), 2);
  assert.equal(await reply.locator('script').count(), 0);
  assert.equal(await reply.locator('img[onerror]').count(), 0);
  assert.match(await reply.locator('.bubble-meta').innerText(), /ms/);
  assert.equal(await xssFlag(page), undefined, 'no injected script ran');
  await shoot(page, 'playground', 'light');

  // Stop button: a slow answer is cut short.
  await fetch(`http://127.0.0.1:${upstreamPort}/_fake/script`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ pieces: Array.from({ length: 200 }, (_, i) => `word${i} `), event_delay_ms: 50 }),
  });
  await page.getByLabel('Message').fill('Tell me a long story.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.bubble-assistant').last().locator('.bubble-content p').waitFor();
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.locator('.bubble-assistant').last().locator('.bubble-meta').filter({ hasText: 'stopped' }).waitFor({ timeout: 10000 });

  // Statistics: the playground calls show up (live refresh, aggregate endpoints only).
  const statRequests = [];
  page.on('request', (r) => { if (r.url().includes('/api/admin/')) statRequests.push(new URL(r.url()).pathname); });
  await page.getByRole('link', { name: 'Statistics' }).click();
  await waitFor(async () => Number((await page.locator('[data-stat="requests"]').innerText()).replace(/\D/g, '')) >= 2,
    'the statistics to count the playground calls', 30000);
  assert.ok(Number((await page.locator('[data-stat="tokens"]').innerText()).replace(/\D/g, '')) > 0);
  await page.locator('#chart-tokens').waitFor();
  assert.ok(statRequests.every((p) => !/\/requests/.test(p)), 'only aggregate endpoints are read');
  await shoot(page, 'stats', 'light');

  // Token calculator: a live count, marked exact or estimated.
  await page.getByRole('link', { name: 'Tokens' }).click();
  await page.getByLabel('Text').fill('Hello, world! Counting tokens as I type.');
  await waitFor(async () => Number((await page.locator('#tok-count').innerText()).replace(/\D/g, '')) > 0, 'a token count');
  assert.match(await page.locator('#tok-kind').innerText(), /exact|estimated/);
  await shoot(page, 'tokens', 'light');

  assert.equal(await xssFlag(page), undefined);
  // Failed loads are expected (the 400 of the validation check, the hostile <img src=x>).
  assert.deepEqual(page.errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.context().close();
});

test('the theme toggle is remembered and every page looks right in dark mode', async () => {
  const page = await newPage('light');
  await signIn(page);
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme), 'light');
  await page.getByRole('button', { name: 'Toggle light and dark theme' }).click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.reload();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark', 'the choice is remembered');
  for (const name of ['providers', 'keys', 'playground', 'stats', 'tokens']) {
    await page.goto(`${base}/#/${name}`);
    await page.locator('main h1').waitFor();
    await page.waitForLoadState('networkidle').catch(() => {});
    await shoot(page, name, 'dark');
  }
  await page.goto(`${base}/#/playground`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await shoot(page, 'signin', 'dark');
  assert.equal(await xssFlag(page), undefined);
  await page.context().close();
});

test('the console works at phone width', async () => {
  const page = await newPage('light', { width: 390, height: 844 });
  await signIn(page);
  await shoot(page, 'providers-phone', 'light');
  await page.getByRole('link', { name: 'Playground' }).click();
  await page.getByLabel('Message').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
  await shoot(page, 'playground-phone', 'light');
  await page.context().close();
});

// Sends a raw WebSocket upgrade request and returns the HTTP status line of the answer.
function upgradeStatus(origin) {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`GET /ws/chat HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: ${origin}\r\n\r\n`);
    });
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk;
      if (data.includes('\r\n')) { socket.destroy(); resolve(data.split('\r\n')[0]); }
    });
    socket.on('error', reject);
  });
}

test('the playground WebSocket refuses a foreign Origin and a wrong token', async () => {
  assert.match(await upgradeStatus('https://attacker.example'), /^HTTP\/1\.1 403/);
  assert.match(await upgradeStatus(base), /^HTTP\/1\.1 101/);
  const page = await newPage('light');
  await page.goto(base);
  const result = await page.evaluate(() => new Promise((resolve) => {
    const ws = new WebSocket(`ws://${location.host}/ws/chat`);
    const seen = [];
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: 'wrong-token' }));
    ws.onmessage = (e) => seen.push(JSON.parse(e.data).type);
    ws.onclose = (e) => resolve({ code: e.code, seen });
  }));
  assert.equal(result.code, 1008);
  assert.deepEqual(result.seen, ['error']);
  await page.context().close();
});
