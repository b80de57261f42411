#!/usr/bin/env python3
"""Checks `rlvr export` files with the `gguf` Python package (pip install gguf numpy).

  python3 scripts/check_gguf_export.py --source models/SmolLM2-135M-Instruct.Q4_1.gguf \\
      --f32 /tmp/m-f32.gguf /tmp/m-q8_0.gguf /tmp/m-q4_0.gguf /tmp/m-q4_1.gguf /tmp/m-q4_k.gguf

For every exported file: the gguf reader reads it; its llama.* and tokenizer.* metadata equal the
source's; each tensor's name, shape and type are as documented. Against the f32 export: each tensor
dequantised by gguf within its type's error (half a quantisation step of its block); Q8_0, Q4_0,
Q4_1 and Q5_0 tensors byte for byte what gguf.quants.quantize (numpy ports of ggml's reference
quantizers) makes from the f32 values. Where a tensor has the source's type, byte equality with the
source file is reported too (re-quantising llama.cpp's own dequantised blocks must give them back).
"""
import argparse
import sys

import numpy as np
import gguf
from gguf import quants

T = gguf.GGMLQuantizationType


def fields(reader):
    out = {}
    for key, field in reader.fields.items():
        if not (key.startswith("llama.") or key.startswith("tokenizer.")):
            continue
        kind = field.types[0]
        if kind == gguf.GGUFValueType.STRING:
            out[key] = bytes(field.parts[-1]).decode()
        elif kind == gguf.GGUFValueType.ARRAY:
            if field.types[1] == gguf.GGUFValueType.STRING:
                out[key] = [bytes(field.parts[i]).decode() for i in field.data]
            else:
                out[key] = [int(field.parts[i][0]) for i in field.data]
        else:
            out[key] = field.parts[-1][0].item()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True)
    parser.add_argument("--f32", required=True, help="the f32 export of the source")
    parser.add_argument("exports", nargs="+")
    args = parser.parse_args()
    failures = 0
    source = gguf.GGUFReader(args.source)
    source_tensors = {t.name: t for t in source.tensors}
    source_fields = fields(source)
    f32 = {t.name: np.array(t.data, dtype=np.float32).reshape([int(n) for n in reversed(t.shape)]) for t in gguf.GGUFReader(args.f32).tensors}
    for path in [args.f32] + args.exports:
        reader = gguf.GGUFReader(path)
        got = fields(reader)
        # add_bos/add_space_prefix and the token ids are written as the source has them; unknown_token_id is not written
        differing = sorted(k for k in source_fields if k != "tokenizer.ggml.unknown_token_id" and got.get(k) != source_fields[k])
        types, exact, gguf_exact, gguf_checked, same_as_source, worst = {}, 0, 0, 0, 0, 0.0
        for tensor in reader.tensors:
            kind = tensor.tensor_type
            types[kind.name] = types.get(kind.name, 0) + 1
            reference = f32[tensor.name]
            if kind == T.F32:
                values = np.array(tensor.data, dtype=np.float32).reshape(reference.shape)
            else:
                values = quants.dequantize(tensor.data, kind).reshape(reference.shape)
            if kind in (T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0):
                gguf_checked += 1
                if np.array_equal(quants.quantize(reference, kind), np.asarray(tensor.data)):
                    gguf_exact += 1
                else:
                    print(f"  {tensor.name}: {kind.name} bytes differ from gguf.quants.quantize")
                    failures += 1
            # error in steps of the block's grid (amax/127, amax/8, range/15, amax/16; Q4_K: its super-block's range/15)
            if kind in (T.F32, T.F16):
                # f16: within half an ulp of the value (2^-11 relative; 2^-25 absolute for subnormals)
                step = np.abs(reference) * 2.0**-10 + 2.0**-24
                ratio = float((np.abs(values - reference) / step).max()) if kind == T.F16 else float(np.abs(values - reference).max())
            else:
                block = 256 if kind == T.Q4_K else 32
                blocks = reference.reshape(-1, block)
                error = np.abs(values.reshape(blocks.shape) - blocks).max(axis=1)
                span = blocks.max(axis=1) - np.minimum(blocks.min(axis=1), 0) + 1e-12
                steps = {T.Q8_0: 127, T.Q4_0: 8, T.Q4_1: 15, T.Q5_0: 16, T.Q4_K: 15}[kind]
                ratio = float((error / (span / steps)).max())
            worst = max(worst, ratio)
            if np.array_equal(values, reference):
                exact += 1
            src = source_tensors.get(tensor.name)
            if src is not None and src.tensor_type == kind and bytes(src.data.tobytes()) == bytes(tensor.data.tobytes()):
                same_as_source += 1
        print(f"{path}: {sum(types.values())} tensors {types}; metadata differing from the source: {differing or 'none'}; "
              f"{gguf_exact}/{gguf_checked} byte-identical to gguf.quants.quantize; worst error {worst:.2f} of a step; "
              f"{exact} tensors exact; {same_as_source} byte-identical to the source file")
        failures += len(differing) + (worst > 1.01 and path != args.f32)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
