#!/usr/bin/env python3
"""Sample dequantised values from a real GGUF model as a reference fixture.

Writes OUT.json with the model's SHA-256, GGUF version, tensor count, a few metadata
facts, and for EVERY tensor: name, ggml type, GGUF dims (ne0 first), data offset
(relative to the data section, as stored in the tensor info), 8 deterministic flat
indices (always 0 and the last element; the other 6 drawn one per equal stratum of the
interior with a RNG seeded from a fixed seed and the tensor name) and the float32 values
at those row-major flat indices, dequantised with gguf.quants.dequantize. Values are
written as the float64 repr of the float32 value, so they round-trip exactly.
Prints a summary of tensor types to stdout.

Run from the repository root:

    python3 scripts/sample_gguf_dequant.py models/SmolLM2-135M-Instruct.Q4_1.gguf \
        Tests/CheckpointsTests/Fixtures/smollm2_135m_instruct.samples.json

Requires: gguf (gguf-py, tested with 0.19.0), numpy.
"""

from __future__ import annotations

import collections
import hashlib
import json
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import gguf
from gguf import GGUFValueType as VT

SEED = 1357
N_SAMPLES = 8

FACT_KEYS = [
    "general.architecture",
    "llama.block_count",
    "llama.embedding_length",
    "llama.feed_forward_length",
    "llama.attention.head_count",
    "llama.attention.head_count_kv",
    "llama.rope.freq_base",
    "llama.attention.layer_norm_rms_epsilon",
    "llama.context_length",
    "llama.vocab_size",
    "llama.rope.dimension_count",
    "general.file_type",
    "tokenizer.ggml.model",
    "tokenizer.ggml.pre",
    "tokenizer.ggml.bos_token_id",
    "tokenizer.ggml.eos_token_id",
    "tokenizer.ggml.padding_token_id",
    "tokenizer.ggml.unknown_token_id",
    "tokenizer.ggml.add_bos_token",
]

TOKEN_SAMPLE_IDS = [0, 1, 2, 3, 100, 1000, 49151]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def scalar(field: gguf.ReaderField) -> Any:
    t = field.types[0]
    v = field.contents()
    if t == VT.FLOAT32:
        return float(np.float32(v))
    if t == VT.BOOL:
        return bool(v)
    return v


def sample_indices(name: str, n: int) -> list[int]:
    if n <= N_SAMPLES:
        return list(range(n))
    rng = np.random.default_rng([SEED, zlib.crc32(name.encode("utf-8"))])
    inner = N_SAMPLES - 2
    idx = {0, n - 1}
    for k in range(inner):  # one index per stratum of [1, n-1)
        lo = 1 + k * (n - 2) // inner
        hi = 1 + (k + 1) * (n - 2) // inner
        idx.add(int(rng.integers(lo, hi)))
    return sorted(idx)


def sample_values(t: gguf.ReaderTensor, indices: list[int]) -> list[float]:
    ne0 = int(t.shape[0])
    rows = t.data.reshape(-1, t.data.shape[-1]) if t.data.ndim > 1 else t.data.reshape(1, -1)
    # Each stored row holds ne0 elements; dequantise only the rows we need.
    out = []
    for i in indices:
        r, c = divmod(i, ne0)
        row = gguf.quants.dequantize(rows[r:r + 1], t.tensor_type).astype(np.float32).reshape(-1)
        assert row.size == ne0, (t.name, row.size, ne0)
        out.append(float(row[c]))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    model, out = Path(argv[1]), Path(argv[2])
    r = gguf.GGUFReader(model)

    meta: dict[str, Any] = {}
    meta_types: dict[str, str] = {}
    for key in FACT_KEYS:
        f = r.get_field(key)
        if f is not None:
            meta[key] = scalar(f)
            meta_types[key] = f.types[0].name
    tokens = r.get_field("tokenizer.ggml.tokens")
    meta["tokenizer.ggml.tokens.count"] = len(tokens.data) if tokens is not None else 0
    merges = r.get_field("tokenizer.ggml.merges")
    meta["tokenizer.ggml.merges.count"] = len(merges.data) if merges is not None else 0
    meta["tokenizer.chat_template.present"] = r.get_field("tokenizer.chat_template") is not None

    token_samples = {}
    if tokens is not None:
        for i in TOKEN_SAMPLE_IDS:
            if i < len(tokens.data):
                token_samples[str(i)] = tokens.contents(i)

    tensors = []
    for t in r.tensors:
        n = int(t.n_elements)
        indices = sample_indices(t.name, n)
        values = sample_values(t, indices)
        assert all(np.isfinite(values)), t.name
        tensors.append({
            "name": t.name,
            "type": t.tensor_type.name,
            "dims": [int(d) for d in t.shape],
            "offset": int(t.field.parts[5][0]),
            "indices": indices,
            "values": values,
        })

    doc = {
        "model_sha256": sha256_file(model),
        "version": int(r.fields["GGUF.version"].parts[0][0]),
        "tensor_count": len(r.tensors),
        "kv_count": int(r.fields["GGUF.kv_count"].parts[0][0]),
        "alignment": int(r.alignment),
        "data_section_offset": int(r.data_offset),
        "metadata": meta,
        "metadata_types": meta_types,
        "token_samples": token_samples,
        "tensors": tensors,
    }
    # One tensor per line keeps the file diffable and compact.
    head = json.dumps({k: v for k, v in doc.items() if k != "tensors"}, indent=2, ensure_ascii=False)
    lines = ",\n".join("    " + json.dumps(t, ensure_ascii=False, separators=(", ", ": ")) for t in tensors)
    text = head[:-2] + ',\n  "tensors": [\n' + lines + "\n  ]\n}\n"
    json.loads(text)  # sanity
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")

    counts = collections.Counter(t.tensor_type.name for t in r.tensors)
    elems = collections.Counter()
    for t in r.tensors:
        elems[t.tensor_type.name] += int(t.n_elements)
    print(f"{'type':<6} {'tensors':>8} {'elements':>12}")
    for name, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{name:<6} {c:>8} {elems[name]:>12}")
    print(f"{'total':<6} {len(r.tensors):>8} {sum(elems.values()):>12}")
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
