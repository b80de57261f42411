#!/usr/bin/env python3
"""Read safetensors files with the reference Python `safetensors` package and print them.

For each FILE prints, deterministically: the `__metadata__` (keys sorted), then for every
tensor sorted by name: name, dtype, shape, and its values converted to float32 (all of
them if there are at most 16, otherwise the count, the float64 sum and the first 4).
Float values are printed as the float64 repr of the float32 value. BF16 is decoded from
raw bits (no torch needed). Non-float dtypes (integers, bool) are converted to float32
too; dtypes it cannot convert are reported as such.

Exits with status 1, naming the file and the reason on stderr, if any file cannot be
read by the package (the other files are still checked).

Run from the repository root, e.g.:

    python3 scripts/check_safetensors.py \
        Tests/CheckpointsTests/Fixtures/safetensors/python_written.safetensors

Requires: safetensors (tested with 0.8.0), numpy.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import safetensors

NUMPY_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U64": np.uint64, "U32": np.uint32, "U16": np.uint16, "U8": np.uint8,
    "BOOL": np.bool_,
}
MAX_FULL = 16


def to_float32(dtype: str, data: bytes) -> np.ndarray | None:
    if dtype == "BF16":
        bits = np.frombuffer(data, dtype="<u2").astype(np.uint32)
        return (bits << 16).view(np.float32)
    np_type = NUMPY_DTYPES.get(dtype)
    if np_type is None:
        return None
    return np.frombuffer(data, dtype=np.dtype(np_type).newbyteorder("<")).astype(np.float32)


def fmt(v: np.float32) -> str:
    return repr(float(v))


def check(path: Path) -> list[str]:
    lines = [f"file: {path.name}"]
    with safetensors.safe_open(str(path), framework="numpy") as f:
        metadata = f.metadata()
        names = sorted(f.keys())
    if metadata is None:
        lines.append("metadata: none")
    else:
        lines.append("metadata:")
        for k in sorted(metadata):
            lines.append(f"  {k} = {metadata[k]!r}")
    tensors = dict(safetensors.deserialize(path.read_bytes()))
    if sorted(tensors) != names:
        raise ValueError("safe_open and deserialize disagree on the tensor names")
    lines.append(f"tensors: {len(names)}")
    for name in names:
        t = tensors[name]
        dtype, shape = t["dtype"], [int(d) for d in t["shape"]]
        values = to_float32(dtype, bytes(t["data"]))
        lines.append(f"  {name}: dtype={dtype} shape={shape}")
        if values is None:
            lines.append(f"    values: <dtype {dtype} not converted>")
            continue
        expected = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if values.size != expected:
            raise ValueError(f"tensor {name}: {values.size} values for shape {shape}")
        if values.size <= MAX_FULL:
            lines.append("    values: [" + ", ".join(fmt(v) for v in values) + "]")
        else:
            total = float(np.sum(values.astype(np.float64)))
            lines.append(f"    count: {values.size}")
            lines.append(f"    sum: {total!r}")
            lines.append("    first4: [" + ", ".join(fmt(v) for v in values[:4]) + "]")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    status = 0
    for arg in argv[1:]:
        path = Path(arg)
        try:
            lines = check(path)
        except Exception as e:  # noqa: BLE001 - report any failure to read the file
            print(f"check_safetensors: cannot read {arg}: {type(e).__name__}: {e}", file=sys.stderr)
            status = 1
            continue
        print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
