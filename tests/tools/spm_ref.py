#!/usr/bin/python3
"""Reference SentencePiece ids for tests/test_tokenizer.c (run with Debian's python3,
which has python3-sentencepiece).

  spm_ref.py check
      exit 0 if the sentencepiece module imports, 3 otherwise
  spm_ref.py encode MODEL INPUT OUTPUT
      INPUT holds cases separated by NUL bytes; OUTPUT gets one line per case with the
      space-separated ids of sp.encode(case) (no BOS)
  spm_ref.py export MODEL OUT_BIN
      writes MODEL as a llama2.c tokenizer.bin, as llama2.c's tokenizer.py does
"""
import struct
import sys


def load(model):
    import sentencepiece as spm
    return spm.SentencePieceProcessor(model_file=model)


def encode(model, inp, out):
    sp = load(model)
    with open(inp, "rb") as f:
        cases = f.read().split(b"\0")
    with open(out, "w") as f:
        for c in cases:
            ids = sp.encode(c.decode("utf-8"))
            f.write(" ".join(str(i) for i in ids) + "\n")


def export(model, out):
    sp = load(model)
    tokens, scores = [], []
    for i in range(sp.get_piece_size()):
        t = sp.id_to_piece(i)
        if i == sp.bos_id():
            t = "\n<s>\n"
        elif i == sp.eos_id():
            t = "\n</s>\n"
        tokens.append(t.replace("\u2581", " ").encode("utf-8"))
        scores.append(sp.get_score(i))
    with open(out, "wb") as f:
        f.write(struct.pack("I", max(len(t) for t in tokens)))
        for b, s in zip(tokens, scores):
            f.write(struct.pack("fI", s, len(b)))
            f.write(b)


def main(argv):
    if len(argv) >= 2 and argv[1] == "check":
        try:
            import sentencepiece  # noqa: F401
        except ImportError:
            return 3
        return 0
    if len(argv) == 5 and argv[1] == "encode":
        encode(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 4 and argv[1] == "export":
        export(argv[2], argv[3])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
