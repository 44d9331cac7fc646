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
  spm_ref.py encode-rt MODEL INPUT OUTPUT
      as encode, and each line ends with " | 1" when sp.decode(ids) gives the case back,
      " | 0" when it does not
  spm_ref.py pieces MODEL OUTPUT
      one line per id, as SentencePiece reports it: type (GGUF numbering, 1 NORMAL ..
      6 BYTE), score as a float32 bit pattern in hex, the piece's UTF-8 bytes in hex;
      then a line "special UNK BOS EOS PAD"
  spm_ref.py model-from-bin TOKENIZER_BIN OUT_MODEL
      writes a llama2.c tokenizer.bin (id 0 <unk>, 1 BOS, 2 EOS, <0xNN> byte pieces) as
      a SentencePiece BPE ModelProto with byte fallback and the identity normalizer,
      protobuf written by hand (Debian's python3-sentencepiece lacks the protobuf module)
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


def encode_rt(model, inp, out):
    sp = load(model)
    with open(inp, "rb") as f:
        cases = f.read().split(b"\0")
    with open(out, "w") as f:
        for c in cases:
            text = c.decode("utf-8")
            ids = sp.encode(text)
            ok = sp.decode(ids) == text
            f.write(" ".join(str(i) for i in ids) + (" | 1\n" if ok else " | 0\n"))


def pieces(model, out):
    sp = load(model)
    with open(out, "w") as f:
        for i in range(sp.get_piece_size()):
            if sp.is_unknown(i):
                t = 2
            elif sp.is_control(i):
                t = 3
            elif sp.is_unused(i):
                t = 5
            elif sp.is_byte(i):
                t = 6
            else:
                t = 1  # NORMAL or USER_DEFINED: the processor does not tell them apart
            bits = struct.unpack("<I", struct.pack("<f", sp.get_score(i)))[0]
            f.write("%d %08x %s\n" % (t, bits, sp.id_to_piece(i).encode("utf-8").hex()))
        f.write("special %d %d %d %d\n" % (sp.unk_id(), sp.bos_id(), sp.eos_id(), sp.pad_id()))


def _varint(n):
    if n < 0:
        n += 1 << 64
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def _len_field(num, data):
    return _varint(num << 3 | 2) + _varint(len(data)) + data


def _int_field(num, v):
    return _varint(num << 3) + _varint(v)


def model_from_bin(tok_bin, out):
    with open(tok_bin, "rb") as f:
        data = f.read()
    off, pos, body = 4, 0, b""
    while off < len(data):
        score, n = struct.unpack_from("<fi", data, off)
        raw = data[off + 8:off + 8 + n]
        off += 8 + n
        if pos == 1 and raw == b"\n<s>\n":
            raw = b"<s>"
        if pos == 2 and raw == b"\n</s>\n":
            raw = b"</s>"
        piece = raw.replace(b" ", "\u2581".encode("utf-8"))
        name = piece.decode("utf-8")
        if pos == 0:
            t = 2
        elif pos in (1, 2):
            t = 3
        elif len(name) == 6 and name.startswith("<0x") and name.endswith(">"):
            t = 6
        else:
            t = 1
        msg = _len_field(1, piece) + _varint(2 << 3 | 5) + struct.pack("<f", score) + _int_field(3, t)
        body += _len_field(1, msg)
        pos += 1
    trainer = (_int_field(3, 2) + _int_field(4, pos) + _int_field(35, 1) + _int_field(40, 0) +
               _int_field(41, 1) + _int_field(42, 2) + _int_field(43, -1))
    normalizer = _len_field(1, b"identity") + _int_field(3, 1) + _int_field(4, 0) + _int_field(5, 1)
    body += _len_field(2, trainer) + _len_field(3, normalizer)
    with open(out, "wb") as f:
        f.write(body)


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
    if len(argv) == 5 and argv[1] == "encode-rt":
        encode_rt(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 4 and argv[1] == "pieces":
        pieces(argv[2], argv[3])
        return 0
    if len(argv) == 4 and argv[1] == "model-from-bin":
        model_from_bin(argv[2], argv[3])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
