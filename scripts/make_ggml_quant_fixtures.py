#!/usr/bin/env python3
"""Writes Tests/CheckpointsTests/Fixtures/ggml_quants.json: 1,024 float32 values (four Q4_K
super-blocks, with an all-zero block, a constant block and a negative outlier among them) and their
bytes in Q8_0, Q4_0, Q4_1 and Q5_0 from gguf.quants.quantize (numpy ports of ggml's reference
quantizers; pip install gguf numpy), and in Q4_K from ggml's own quantize_row_q4_K_ref when
--ggml-quants names a compiled helper (see docs/checkpoints.md: ggml-quants.c from llama.cpp, built
with -ffp-contract=off) that reads float32 values on stdin and writes the Q4_K bytes.
"""
import argparse
import json
import subprocess

import numpy as np
from gguf import quants, GGMLQuantizationType as T


def values():
    rng = np.random.RandomState(20261207)
    x = (rng.randn(1024) * 0.05).astype(np.float32)
    x[0:32] = 0.0                      # a block of zeros
    x[32:64] = np.float32(0.0123)      # a constant block
    x[300] = np.float32(-0.9)          # an outlier: the block's largest magnitude is negative
    x[512:768] = np.abs(x[512:768])    # a super-block without negative values (its min is 0)
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ggml-quants", help="helper: float32 on stdin → Q4_K bytes on stdout")
    parser.add_argument("--out", default="Tests/CheckpointsTests/Fixtures/ggml_quants.json")
    args = parser.parse_args()
    x = values()
    out = {"values": [float(v) for v in x], "bytes": {}}
    for kind in (T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0):
        out["bytes"][kind.name] = bytes(quants.quantize(x.reshape(1, -1), kind).tobytes()).hex()
    if args.ggml_quants:
        out["bytes"]["Q4_K"] = subprocess.run([args.ggml_quants], input=x.tobytes(), capture_output=True, check=True).stdout.hex()
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {args.out}: {', '.join(out['bytes'])}")


if __name__ == "__main__":
    main()
