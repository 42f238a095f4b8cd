#!/usr/bin/env python3
"""Seed the bgpd fuzz corpora from the captured vectors.

usage: seed_corpus.py VECTORS_DIR OUT_DIR

Writes OUT_DIR/decode_message/* (one message each, behind the codec-context flag octet
the target reads: 4-octet AS + eBGP, and the same with ADD-PATH or extended messages)
and OUT_DIR/session_bytes/* (every message after the OPEN of one direction, back to
back, as the established session would read them).
"""
import pathlib
import sys

# Flag bits of fuzz_targets/decode_message.rs: 1 four-octet AS, 2 ADD-PATH, 4 extended
# messages, 8 eBGP.
CONTEXTS = (0x09, 0x0B, 0x0D)


def messages(path):
    return [bytes.fromhex(line.strip()) for line in path.read_text().splitlines() if line.strip()]


def main():
    vectors, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    decode, session = out / "decode_message", out / "session_bytes"
    decode.mkdir(parents=True, exist_ok=True)
    session.mkdir(parents=True, exist_ok=True)
    count = 0
    for hexfile in sorted(vectors.glob("*/*.hex")):
        msgs = messages(hexfile)
        for i, m in enumerate(msgs):
            for flags in CONTEXTS:
                (decode / f"{hexfile.stem}-{i}-{flags:02x}").write_bytes(bytes([flags]) + m)
                count += 1
        # Type octet 1 is OPEN: the session target starts Established already.
        stream = b"".join(m for m in msgs if len(m) > 18 and m[18] != 1)
        (session / hexfile.stem).write_bytes(stream)
        count += 1
    print(f"seed_corpus: {count} inputs in {out}")


if __name__ == "__main__":
    main()
