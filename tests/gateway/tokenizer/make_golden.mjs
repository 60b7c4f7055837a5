// Writes the tokenizer's golden file: for every input of corpus.json plus generated inputs (long
// runs, seeded random text and random bytes), the ids that tiktoken (its WASM build, pinned in
// package-lock.json) gives with encode_ordinary for cl100k_base and o200k_base.
// Bytes that are not valid UTF-8 are decoded first with U+FFFD replacement (TextDecoder, the
// WHATWG rule), the same rule the C++ library applies.
// Usage: node make_golden.mjs <corpus.json> <out.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// The reference is installed (npm ci) in the working directory, which is in the build tree.
const require = createRequire(join(process.cwd(), 'package.json'));
const { get_encoding } = require('tiktoken');

const [corpusPath, outPath] = process.argv.slice(2);
const corpus = JSON.parse(readFileSync(corpusPath, 'utf8'));

// mulberry32: a small seeded generator so the generated inputs are the same on every run.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pools = [
  'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789',
  ' ', '  ', '\n', '\r\n', '\t', '\u00a0\u3000\u2028\u0085\u180e\u2003\u200b\ufeff',
  '.,;:!?-_/\\()[]{}<>"\'`~@#$%^&*+=|', "'s 't 're 've 'm 'll 'd 'S 'T 'RE \u017f \u212a",
  '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黑断线字',
  'あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんアイウエオカキクケコサシスセソ',
  '가나다라마바사아자차카타파하한국어안녕세요', 'αβγδεζηθΑΒΓΔабвгдеёжАБВГД', 'مرحباहिन्दीภาษา',
  '\u0301\u0308\u0303\u0351', 'ǅǈǋʰꜰᴀ', '٣٤٥Ⅻ½²𝟘', '😀👋🌍👨‍👩‍👧❤️✅🇨🇳🤖', '\ue000\u{1d11e}\u{10000}\u{e0001}',
];

function randomText(next, length) {
  let s = '';
  while ([...s].length < length) {
    const pool = [...pools[Math.floor(next() * pools.length)]];
    const run = 1 + Math.floor(next() * 6);
    for (let i = 0; i < run; ++i) s += pool[Math.floor(next() * pool.length)];
  }
  return s;
}

function generated() {
  const out = [];
  const next = rng(20261126);
  for (let i = 0; i < 300; ++i) {
    out.push({ name: `random_text_${i}`, bytes: Buffer.from(randomText(next, 1 + Math.floor(next() * 120)), 'utf8') });
  }
  for (let i = 0; i < 100; ++i) {
    const bytes = Buffer.alloc(1 + Math.floor(next() * 64));
    for (let k = 0; k < bytes.length; ++k) {
      // Mostly bytes around UTF-8's structure so that partial sequences are common.
      bytes[k] = next() < 0.5 ? 0x80 + Math.floor(next() * 0x80) : Math.floor(next() * 0x80);
    }
    out.push({ name: `random_bytes_${i}`, bytes });
  }
  const cjk = () => String.fromCodePoint(0x4e00 + Math.floor(next() * 0x5000));
  let zh = '';
  for (let i = 0; i < 6000; ++i) zh += cjk();
  const long = {
    long_letters: 'a'.repeat(20000),
    long_mixed_letters: 'abcXYZdefGHI'.repeat(1500),
    long_cjk_run: zh,
    long_digits: '1234567890'.repeat(2000),
    long_spaces: ' '.repeat(10000) + 'x',
    long_newlines: '\n'.repeat(5000) + 'x' + ' \n'.repeat(3000),
    long_punctuation: '=-'.repeat(5000),
    long_emoji: '🤖'.repeat(3000),
    long_base64: Buffer.from(Array.from({ length: 12000 }, () => Math.floor(next() * 256))).toString('base64'),
    long_invalid_bytes: null,
  };
  for (const [name, text] of Object.entries(long)) {
    if (text !== null) out.push({ name, bytes: Buffer.from(text, 'utf8') });
  }
  const invalid = Buffer.alloc(20000);
  for (let k = 0; k < invalid.length; ++k) invalid[k] = 0x80 + Math.floor(next() * 0x80);
  out.push({ name: 'long_invalid_bytes', bytes: invalid });
  return out;
}

const inputs = corpus.cases.map((c) => ({
  name: c.name,
  bytes: c.hex !== undefined ? Buffer.from(c.hex, 'hex') : Buffer.from(c.text, 'utf8'),
}));
inputs.push(...generated());

const encodings = ['cl100k_base', 'o200k_base'].map((name) => [name, get_encoding(name)]);
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const cases = inputs.map(({ name, bytes }) => {
  const text = decoder.decode(bytes);
  const entry = {
    name,
    input_base64: bytes.toString('base64'),
    text_base64: Buffer.from(text, 'utf8').toString('base64'),
  };
  for (const [encodingName, encoding] of encodings) {
    entry[encodingName] = Array.from(encoding.encode_ordinary(text));
  }
  return entry;
});
for (const [, encoding] of encodings) encoding.free();
writeFileSync(outPath, JSON.stringify({ reference: 'tiktoken (npm, WASM) encode_ordinary', cases }));
console.log(`wrote ${cases.length} golden cases to ${outPath}`);
