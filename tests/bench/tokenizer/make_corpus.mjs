// Builds the benchmark corpora: each seed file's lines in a seeded random order, repeated until
// the text reaches 1 MB (10^6 bytes, cut at a line end). Same output on every run.
// Usage: node make_corpus.mjs <seed.txt> <out.txt> [bytes]
import { readFileSync, writeFileSync } from 'node:fs';

const [seedPath, outPath, sizeArg] = process.argv.slice(2);
const target = Number(sizeArg ?? 1000000);
const lines = readFileSync(seedPath, 'utf8').split('\n').filter((l) => l.length > 0);
let state = 0x2545f491;
const next = () => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state / 4294967296;
};
const parts = [];
let size = 0;
while (size < target) {
  const line = lines[Math.floor(next() * lines.length)];
  // Paragraphs of a few lines, the way documents and chat logs look.
  const sep = next() < 0.25 ? '\n\n' : next() < 0.5 ? '\n' : ' ';
  const piece = line + sep;
  size += Buffer.byteLength(piece, 'utf8');
  parts.push(piece);
}
writeFileSync(outPath, parts.join(''));
