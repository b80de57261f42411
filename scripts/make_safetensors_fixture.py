#!/usr/bin/env python3
"""Generate a safetensors file written by the reference Python implementation.

Produces, in Tests/CheckpointsTests/Fixtures/safetensors/ (or the directory given as
the first argument):

* python_written.safetensors     written with safetensors.serialize (the Rust core of
                                 the `safetensors` package), containing
                                   matrix_f32   F32  [2, 3]
                                   vector_f16   F16  [4]    (inexact values + a subnormal)
                                   matrix_bf16  BF16 [3, 2] (raw bits: numpy has no bfloat16)
                                   scalar_f32   F32  []
                                   empty_f32    F32  [0, 4]
                                 and __metadata__ {"format": "pt",
                                 "source": "make_safetensors_fixture.py"}.
* python_written.expected.json   {"metadata": ..., "tensors": {name: {"dtype", "shape",
                                 "values": [float32 values, row-major, as the float64
                                 repr of the float32 so they round-trip exactly]}}}.

Deterministic; no torch needed.

Run from the repository root:

    python3 scripts/make_safetensors_fixture.py [OUT_DIR]

Requires: safetensors (tested with 0.8.0), numpy.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
import safetensors

DEFAULT_OUT = Path("Tests/CheckpointsTests/Fixtures/safetensors")
METADATA = {"format": "pt", "source": "make_safetensors_fixture.py"}


def bf16_bits(values: list[float]) -> np.ndarray:
    """float32 -> bfloat16 bits, round to nearest even (finite inputs)."""
    u = np.asarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def bf16_to_f32(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << 16).view(np.float32)


def build() -> dict[str, tuple[str, str, np.ndarray, np.ndarray]]:
    """name -> (safetensors dtype code, TensorSpec dtype name, storage array, float32 values)."""
    f32 = np.array([[1.0, -2.5, 0.1], [3.4028235e38, -1e-30, 0.0]], dtype=np.float32)
    # 0.1 and 1/3 are inexact in f16; 5 * 2^-24 is subnormal (smallest normal is 2^-14).
    f16 = np.array([0.1, -1.0 / 3.0, 5 * 2.0**-24, 1000.7], dtype=np.float16)
    bf16_src = [1.0, -2.5, 0.1, 3.14159, 1e-3, -65504.0]
    bf16 = bf16_bits(bf16_src).reshape(3, 2)
    scalar = np.array(-7.25, dtype=np.float32)
    empty = np.zeros((0, 4), dtype=np.float32)
    return {
        "matrix_f32": ("F32", "float32", f32, f32),
        "vector_f16": ("F16", "float16", f16, f16.astype(np.float32)),
        "matrix_bf16": ("BF16", "bfloat16", bf16, bf16_to_f32(bf16)),
        "scalar_f32": ("F32", "float32", scalar, scalar),
        "empty_f32": ("F32", "float32", empty, empty),
    }


def metadata_key_order(blob: bytes) -> list[str]:
    (n,) = struct.unpack_from("<Q", blob, 0)
    header = json.loads(blob[8:8 + n], object_pairs_hook=lambda pairs: pairs)
    meta = dict(header)["__metadata__"]
    return [k for k, _ in meta]


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out_dir.mkdir(parents=True, exist_ok=True)
    st_path = out_dir / "python_written.safetensors"

    tensors = build()
    # np.require keeps 0-d arrays 0-d (np.ascontiguousarray would make them 1-d).
    arrays = {name: np.require(t[2], requirements="C") for name, t in tensors.items()}  # keep alive
    specs = {
        name: safetensors.TensorSpec(
            dtype=tensors[name][1],
            shape=list(arr.shape),
            data_ptr=arr.ctypes.data,
            data_len=arr.nbytes,
        )
        for name, arr in arrays.items()
    }
    # The Rust core stores __metadata__ in a HashMap with a randomly seeded hasher, so its
    # key order varies from call to call. To keep the fixture byte-for-byte reproducible we
    # serialise repeatedly (in memory, with the package itself) until the metadata keys come
    # out in sorted order, and write those bytes unchanged.
    for _ in range(256):
        blob = bytes(safetensors.serialize(specs, metadata=METADATA))
        if metadata_key_order(blob) == sorted(METADATA):
            break
    else:
        raise SystemExit("make_safetensors_fixture: could not get a canonical metadata order")
    st_path.write_bytes(blob)

    # Verify by reading back with the package.
    back = dict(safetensors.deserialize(st_path.read_bytes()))
    expected_tensors = {}
    for name in sorted(tensors):
        code, _, storage, values = tensors[name]
        got = back[name]
        assert got["dtype"] == code and list(got["shape"]) == list(storage.shape), name
        assert bytes(got["data"]) == storage.tobytes(), name
        expected_tensors[name] = {
            "dtype": code,
            "shape": [int(d) for d in storage.shape],
            "values": [float(v) for v in np.asarray(values, dtype=np.float32).reshape(-1)],
        }
    with safetensors.safe_open(str(st_path), framework="numpy") as f:
        assert f.metadata() == METADATA

    exp_path = out_dir / "python_written.expected.json"
    doc = {"metadata": METADATA, "tensors": expected_tensors}
    exp_path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    for p in (st_path, exp_path):
        print(f"{p.name}: {p.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
