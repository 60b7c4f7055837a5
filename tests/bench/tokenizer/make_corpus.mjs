// Builds the benchmark corpora: each seed file's lines in a seeded random order, repeated until
// the text reaches 1 MB (10^6 bytes, cut at a line end). Same output on every run.
// With --scramble-han every CJK ideograph is replaced by one drawn at random from the seed's
// ideographs (same character frequencies), so runs of Chinese almost never repeat: this defeats
// the piece caches that the native library and gpt-tokenizer both keep.
// Usage: node make_corpus.mjs <seed.txt> <out.txt> [--scramble-han]
import { readFileSync, writeFileSync } from 'node:fs';

const [seedPath, outPath, mode] = process.argv.slice(2);
const target = 1000000;
const scramble = mode === '--scramble-han';
const lines = readFileSync(seedPath, 'utf8').split('\n').filter((l) => l.length > 0);
let state = 0x2545f491;
const next = () => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state / 4294967296;
};
const isHan = (c) => c >= '\u4e00' && c <= '\u9fff';
const hanPool = [...lines.join('')].filter(isHan);
const parts = [];
let size = 0;
while (size < target) {
  let line = lines[Math.floor(next() * lines.length)];
  if (scramble) {
    line = [...line].map((c) => (isHan(c) ? hanPool[Math.floor(next() * hanPool.length)] : c)).join('');
  }
  // Paragraphs of a few lines, the way documents and chat logs look.
  const sep = next() < 0.25 ? '\n\n' : next() < 0.5 ? '\n' : ' ';
  const piece = line + sep;
  size += Buffer.byteLength(piece, 'utf8');
  parts.push(piece);
}
writeFileSync(outPath, parts.join(''));
