#!/usr/bin/env python3
"""Generate the synthetic GGUF reader fixtures for CheckpointsTests.

Produces, in Tests/CheckpointsTests/Fixtures/gguf/ (or the directory given as the
first argument):

* all_types.gguf           GGUF v3 written with gguf.GGUFWriter (arch "llama",
                           general.alignment = 64). Metadata covers every GGUF value
                           type (all scalars, strings incl. empty and non-ASCII,
                           typed arrays, an empty array and a nested array), and one
                           tensor per ggml type F32, F16, BF16, Q8_0, Q4_0, Q4_1,
                           Q5_0, Q5_1, Q4_K, Q5_K, Q6_K (GGUF dims [256, 2]), plus a
                           1-D F32 tensor of 7 elements to exercise alignment padding.
                           Quantised tensors are random block bytes (seeded) whose f16
                           scale fields are replaced by small finite values.
* all_types_v2.gguf        the same bytes with the version field (u32 at offset 4) = 2.
* all_types.expected.json  the independent reference: everything read back from
                           all_types.gguf with gguf.GGUFReader, tensors dequantised
                           with gguf.quants.dequantize (every value, row-major, as the
                           float64 repr of the float32 value so it round-trips exactly).

Deterministic (fixed seed); re-running produces identical bytes.

Run from the repository root:

    python3 scripts/make_gguf_fixtures.py [OUT_DIR]

Requires: gguf (gguf-py, tested with 0.19.0), numpy.
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import gguf
from gguf import GGMLQuantizationType as QT
from gguf import GGUFValueType as VT

SEED = 20240531
ALIGNMENT = 64
ROWS, COLS = 2, 256  # numpy shape (ROWS, COLS) == GGUF dims [COLS, ROWS]

DEFAULT_OUT = Path("Tests/CheckpointsTests/Fixtures/gguf")

# Byte offsets of the f16 scale fields inside one block, per quantised type:
# (offset of d, offset of the min/dmin field or None).
SCALE_FIELDS: dict[QT, tuple[int, int | None]] = {
    QT.Q8_0: (0, None),   # d, qs[32]
    QT.Q4_0: (0, None),   # d, qs[16]
    QT.Q4_1: (0, 2),      # d, m, qs[16]
    QT.Q5_0: (0, None),   # d, qh[4], qs[16]
    QT.Q5_1: (0, 2),      # d, m, qh[4], qs[16]
    QT.Q4_K: (0, 2),      # d, dmin, scales[12], qs[128]
    QT.Q5_K: (0, 2),      # d, dmin, scales[12], qh[32], qs[128]
    QT.Q6_K: (208, None),  # ql[128], qh[64], scales[16] (int8), d
}

TENSOR_TYPES = [QT.F32, QT.F16, QT.BF16, QT.Q8_0, QT.Q4_0, QT.Q4_1, QT.Q5_0, QT.Q5_1,
                QT.Q4_K, QT.Q5_K, QT.Q6_K]


class FixtureWriter(gguf.GGUFWriter):
    """GGUFWriter that can also encode an empty array (the stock writer refuses)."""

    def _pack_val(self, val: Any, vtype: VT, add_vtype: bool, sub_type: VT | None = None) -> bytes:
        if vtype == VT.ARRAY and isinstance(val, Sequence) and len(val) == 0:
            if sub_type is None:
                raise ValueError("an empty array needs an explicit element type")
            out = bytearray()
            if add_vtype:
                out += self._pack("I", vtype)
            out += self._pack("I", sub_type)
            out += self._pack("Q", 0)
            return bytes(out)
        return super()._pack_val(val, vtype, add_vtype, sub_type)


def f16_bytes(values: np.ndarray) -> np.ndarray:
    return values.astype(np.float16).view(np.uint8).reshape(values.shape + (2,))


def bf16_bits(values: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bit patterns, round to nearest even (inputs are finite)."""
    u = values.astype(np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def quant_bytes(rng: np.random.Generator, qtype: QT) -> np.ndarray:
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    n_blocks = COLS // block_size
    raw = rng.integers(0, 256, size=(ROWS, n_blocks, type_size), dtype=np.uint8)
    d_off, m_off = SCALE_FIELDS[qtype]
    d = rng.uniform(0.001, 0.1, size=(ROWS, n_blocks))
    raw[:, :, d_off:d_off + 2] = f16_bytes(d)
    if m_off is not None:
        m = rng.uniform(0.001, 0.1, size=(ROWS, n_blocks))
        if qtype in (QT.Q4_1, QT.Q5_1):  # the additive min of legacy types may be negative
            m = m * rng.choice([-1.0, 1.0], size=(ROWS, n_blocks))
        raw[:, :, m_off:m_off + 2] = f16_bytes(m)
    return raw.reshape(ROWS, n_blocks * type_size)


def build_metadata(w: FixtureWriter) -> None:
    w.add_custom_alignment(ALIGNMENT)  # adds general.alignment (UINT32)
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4_000_000_000)
    w.add_int32("test.i32", -2_000_000_000)
    w.add_float32("test.f32", 3.14159)  # not exactly representable
    w.add_bool("test.bool_true", True)
    w.add_bool("test.bool_false", False)
    w.add_string("test.str", "héllo ✓")
    w.add_key_value("test.str_empty", "", VT.STRING)  # add_string() would skip it
    w.add_uint64("test.u64", 2**64 - 2)
    w.add_int64("test.i64", -(2**63) + 5)
    w.add_float64("test.f64", -2.718281828459045)
    w.add_key_value("test.arr_i32", [1, -2, 2_147_483_647, -2_147_483_648, 0], VT.ARRAY, sub_type=VT.INT32)
    w.add_key_value("test.arr_str", ["alpha", "", "héllo ✓", "Ġworld"], VT.ARRAY, sub_type=VT.STRING)
    w.add_key_value("test.arr_f32", [0.1, -1.5, 1e-8, 65504.0, -0.0], VT.ARRAY, sub_type=VT.FLOAT32)
    w.add_key_value("test.arr_empty", [], VT.ARRAY, sub_type=VT.INT32)
    # Nested array: outer element type ARRAY, each inner array an int32 array.
    w.add_key_value("test.arr_nested", [[1, 2, 3], [4], [5, 6]], VT.ARRAY, sub_type=VT.ARRAY)


def build_tensors(w: FixtureWriter, rng: np.random.Generator) -> None:
    for qtype in TENSOR_TYPES:
        name = f"test.{qtype.name}"
        if qtype == QT.F32:
            w.add_tensor(name, rng.standard_normal((ROWS, COLS)).astype(np.float32))
        elif qtype == QT.F16:
            x = rng.standard_normal((ROWS, COLS)).astype(np.float16)
            x[0, 1] = np.float16(-0.0)
            x[0, 2] = np.float16(3 * 2.0**-24)   # subnormal
            x[1, 3] = np.float16(65504.0)        # largest finite
            w.add_tensor(name, x)
        elif qtype == QT.BF16:
            bits = bf16_bits(rng.standard_normal((ROWS, COLS)).astype(np.float32))
            bits[0, 1] = 0x8000                  # -0.0
            bits[0, 2] = 0x0003                  # subnormal
            bits[1, 3] = 0x7F7F                  # largest finite
            w.add_tensor(name, bits.view(np.uint8).reshape(ROWS, 2 * COLS), raw_dtype=QT.BF16)
        else:
            w.add_tensor(name, quant_bytes(rng, qtype), raw_dtype=qtype)
    w.add_tensor("test.F32_1d_7", rng.standard_normal(7).astype(np.float32))


def f32_json(x: Any) -> float:
    """float64 value of a float32, so the JSON decimal round-trips to the same float32."""
    return float(np.float32(x))


def decode_parts(parts: list[np.ndarray], i: int, vtype: VT) -> tuple[dict[str, Any], int]:
    """Decode one value from a GGUFReader field's parts list (the reader flattens nested
    arrays in contents(), so we walk its parts ourselves)."""
    if vtype == VT.STRING:
        return {"type": "STRING", "value": bytes(parts[i + 1]).decode("utf-8")}, i + 2
    if vtype == VT.ARRAY:
        etype = VT(int(parts[i][0]))
        n = int(parts[i + 1][0])
        i += 2
        items = []
        for _ in range(n):
            item, i = decode_parts(parts, i, etype)
            items.append(item if etype == VT.ARRAY else item["value"])
        return {"type": "ARRAY", "element_type": etype.name, "value": items}, i
    raw = parts[i][0]
    if vtype == VT.FLOAT32:
        value: Any = f32_json(raw)
    elif vtype == VT.FLOAT64:
        value = float(raw)
    elif vtype == VT.BOOL:
        value = bool(raw)
    else:
        value = int(raw)
    out: dict[str, Any] = {"type": vtype.name, "value": value}
    if vtype in (VT.UINT64, VT.INT64):
        out["value_text"] = str(value)  # for decoders that go through Double
    return out, i + 1


def read_expected(path: Path) -> dict[str, Any]:
    r = gguf.GGUFReader(path)
    metadata: dict[str, Any] = {}
    for key, field in r.fields.items():
        if key.startswith("GGUF."):
            continue
        entry, end = decode_parts(field.parts, 3, VT(int(field.parts[2][0])))
        assert end == len(field.parts), key
        # Cross-check against the reader's own flattening for non-nested values.
        if entry["type"] != "ARRAY" or entry["element_type"] != "ARRAY":
            got = field.contents()
            if entry["type"] == "ARRAY" and entry["element_type"] == "FLOAT32":
                got = [f32_json(v) for v in got]
            elif entry["type"] == "FLOAT32":
                got = f32_json(got)
            assert got == entry["value"], (key, got, entry["value"])
        metadata[key] = entry

    tensors = []
    for t in r.tensors:
        values = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1)
        assert values.size == t.n_elements and np.all(np.isfinite(values)), t.name
        tensors.append({
            "name": t.name,
            "type": t.tensor_type.name,
            "type_id": int(t.tensor_type),
            "dims": [int(d) for d in t.shape],
            "offset": int(t.field.parts[5][0]),
            "n_bytes": int(t.n_bytes),
            "values": [float(v) for v in values],  # float32 -> float64, exact
        })
    version = int(r.fields["GGUF.version"].parts[0][0])
    return {
        "version": version,
        "alignment": int(r.alignment),
        "data_section_offset": int(r.data_offset),
        "keys_added_by_writer": {
            "general.architecture": "GGUFWriter constructor (arch=\"llama\")",
            "general.alignment": "GGUFWriter.add_custom_alignment(64)",
        },
        "metadata_key_order": list(metadata.keys()),
        "metadata": metadata,
        "tensors": tensors,
    }


def dump_json(obj: dict[str, Any], path: Path) -> None:
    """Indented JSON, but each tensor's value list on a single line."""
    placeholders: dict[str, str] = {}
    shallow = dict(obj)
    shallow["tensors"] = []
    for i, t in enumerate(obj["tensors"]):
        key = f"@@VALUES_{i}@@"
        placeholders[f'"{key}"'] = json.dumps(t["values"], separators=(",", ":"))
        shallow["tensors"].append({**t, "values": key})
    text = json.dumps(shallow, indent=2, ensure_ascii=False)
    for k, v in placeholders.items():
        text = text.replace(k, v)
    path.write_text(text + "\n", encoding="utf-8")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out_dir.mkdir(parents=True, exist_ok=True)
    v3 = out_dir / "all_types.gguf"
    v2 = out_dir / "all_types_v2.gguf"

    rng = np.random.default_rng(SEED)
    w = FixtureWriter(v3, arch="llama")
    build_metadata(w)
    build_tensors(w, rng)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    data = bytearray(v3.read_bytes())
    assert struct.unpack_from("<I", data, 4)[0] == 3
    struct.pack_into("<I", data, 4, 2)
    v2.write_bytes(bytes(data))

    expected = read_expected(v3)
    assert expected["version"] == 3 and expected["alignment"] == ALIGNMENT
    # The v2 file must read back identically apart from the version.
    exp2 = read_expected(v2)
    assert exp2["version"] == 2 and {**exp2, "version": 3} == expected
    expected["files"] = {
        v3.name: {"version": 3, "size": v3.stat().st_size, "sha256": sha256(v3)},
        v2.name: {"version": 2, "size": v2.stat().st_size, "sha256": sha256(v2)},
    }
    exp_path = out_dir / "all_types.expected.json"
    dump_json(expected, exp_path)

    for p in (v3, v2, exp_path):
        print(f"{p.name}: {p.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
