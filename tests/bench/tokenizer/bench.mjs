// Tokenizer benchmark: the native library against the npm peers `gpt-tokenizer` and `tiktoken`
// (WASM), on the same corpora in the same run. Start it pinned to one core (run.sh does
// `taskset -c 1`); the native binary inherits the pinning.
// Usage: node bench.mjs <native bench binary> <runs> <corpus file>...
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';

const require = createRequire(join(process.cwd(), 'package.json'));
const { get_encoding } = require('tiktoken');
const gptTokenizer = {
  cl100k_base: require('gpt-tokenizer/encoding/cl100k_base'),
  o200k_base: require('gpt-tokenizer/encoding/o200k_base'),
};
const packageVersion = (name) =>
  JSON.parse(readFileSync(join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8')).version;
const versions = { 'gpt-tokenizer': packageVersion('gpt-tokenizer'), tiktoken: packageVersion('tiktoken') };

const [nativeBin, runsArg, ...corpora] = process.argv.slice(2);
const runs = Number(runsArg);

function bestMbPerSecond(bytes, fn) {
  fn();
  const rates = [];
  for (let i = 0; i < runs; ++i) {
    // CPU time of the process (all its threads, pinned to the same core as the native side).
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    const seconds = (used.user + used.system) / 1e6;
    rates.push(bytes / 1e6 / seconds);
  }
  return Math.max(...rates);
}

const results = [];  // {impl, encoding, corpus, rate, tokens}
const native = execFileSync(nativeBin, [String(runs), ...corpora], { encoding: 'utf8' });
let loadLine = '';
for (const line of native.trim().split('\n')) {
  const f = line.split('\t');
  if (f[0] === '#load') { loadLine = f[2]; continue; }
  results.push({ impl: 'nexus (C++)', encoding: f[1], corpus: f[2], rate: Number(f[3]), tokens: Number(f[4]) });
  results.push({ impl: 'nexus Count()', encoding: f[1], corpus: f[2], rate: Number(f[5]), tokens: Number(f[4]) });
}

for (const corpus of corpora) {
  const text = readFileSync(corpus, 'utf8');
  const bytes = Buffer.byteLength(text, 'utf8');
  for (const encodingName of ['cl100k_base', 'o200k_base']) {
    const wasm = get_encoding(encodingName);
    let tokens = 0;
    let rate = bestMbPerSecond(bytes, () => { tokens = wasm.encode_ordinary(text).length; });
    results.push({ impl: `tiktoken ${versions.tiktoken} (WASM)`, encoding: encodingName, corpus, rate, tokens });
    wasm.free();
    const gpt = gptTokenizer[encodingName];
    rate = bestMbPerSecond(bytes, () => { tokens = gpt.encode(text).length; });
    results.push({ impl: `gpt-tokenizer ${versions['gpt-tokenizer']}`, encoding: encodingName, corpus, rate, tokens });
  }
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`one core (taskset), best of ${runs} runs after a warm-up, timed in CPU time, MB = 10^6 bytes; native load: ${loadLine}`);
console.log(`| ${pad('corpus', 22)} | ${pad('encoding', 11)} | ${pad('implementation', 26)} | ${pad('MB/s', 8)} | ${pad('tokens', 8)} | ${pad('x fastest peer', 14)} |`);
console.log(`|${'-'.repeat(24)}|${'-'.repeat(13)}|${'-'.repeat(28)}|${'-'.repeat(10)}|${'-'.repeat(10)}|${'-'.repeat(16)}|`);
let mismatch = false;
for (const corpus of corpora) {
  for (const encodingName of ['cl100k_base', 'o200k_base']) {
    const rows = results.filter((r) => r.corpus === corpus && r.encoding === encodingName);
    const fastestPeer = Math.max(...rows.filter((r) => !r.impl.startsWith('nexus')).map((r) => r.rate));
    if (new Set(rows.map((r) => r.tokens)).size !== 1) mismatch = true;
    for (const r of rows) {
      console.log(`| ${pad(basename(corpus), 22)} | ${pad(encodingName, 11)} | ${pad(r.impl, 26)} | ${pad(r.rate.toFixed(2), 8)} | ${pad(r.tokens, 8)} | ${pad((r.rate / fastestPeer).toFixed(2) + 'x', 14)} |`);
    }
  }
}
if (mismatch) {
  console.error('token counts differ between implementations');
  process.exit(1);
}
