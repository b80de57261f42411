#!/usr/bin/env python3
"""Independent numpy reference for a tiny Llama: forward, hand-written backward, AdamW.

Produces, in Tests/LlamaModelTests/Fixtures/ (or the directory given as the first
argument), for each variant V in {tied, untied}:

* tiny_llama_V.safetensors   F32/I32 tensors (written with safetensors.numpy):
                               <HF weight name>            the float32 weights
                               input.tokens / positions / sequence_lengths / targets
                               expected.logits / target_logprobs / entropy / loss /
                                        final_hidden / grad_norm / grad_norm_2 / loss_after_2
                               grad.<HF weight name>       d(mean loss)/d(weight)
                               adamw1.<HF weight name>     weights after 1 clipped AdamW step
                               grad_at_adamw1.<HF name>    d(mean loss)/d(weight) at adamw1 (pre-clip)
                               adamw2.<HF weight name>     weights after a 2nd step (same batch)
                               dhidden_check.G             fixed cotangent for final_hidden
                               dhidden_check.grad.<name>   d(sum(final_hidden * G))/d(weight)
                               greedy.prompt / continuation / logprobs   12 greedy decoding
                                                           steps from the first sequence
* tiny_llama_V.config.json   the Hugging Face config.json (LlamaForCausalLM) of the model
* tiny_llama_tied.gguf       (tied only) the same weights in a GGUF file written with
                             gguf.GGUFWriter under llama.cpp tensor names, F32, with
                             attn_q / attn_k rows permuted as convert_hf_to_gguf.py does.

The model (SmolLM2 architecture = HF LlamaForCausalLM: RMSNorm, rotate-half RoPE, GQA,
SwiGLU MLP) is implemented from the maths in numpy float64, forward AND backward by
hand (no autograd). The weights are drawn with a fixed seed and rounded to float32
before any computation; all maths is float64 on those float32 values; the outputs are
rounded to float32 only when stored.

The input is a packed batch: 3 sequences of lengths 5, 9 and 3 concatenated into one
17-token stream; positions restart at 0 for every sequence; attention is causal within
each sequence and never crosses sequences. Within each sequence position t predicts
token t+1 (14 targets); loss = mean over the targets of -log softmax(logits)[target].

Greedy decoding: the prompt is the first sequence of the packed input (5 tokens); each of
12 steps runs the full forward over prompt + tokens so far (one sequence, positions from
0, causal mask) and appends the argmax of the last position's logits (ties: lowest id).
The margin between the top-1 and top-2 logits is asserted >= 1e-4 at every step (and
printed), so a float32 implementation should pick the same tokens.

Checks (the script asserts them and prints the maximum errors):
* hand-written gradients vs complex-step derivatives of the numpy forward (exact to
  rounding, rel err < 1e-9) and vs plain central finite differences (rel err < 1e-6);
* if torch and transformers are installed: logits, loss, final hidden state, every
  gradient (mean loss and the dhidden check) against PyTorch autograd through
  transformers' LlamaForCausalLM in float64, each sequence run separately (rel err
  < 1e-9), and both AdamW steps against torch.optim.AdamW + clip_grad_norm_ (< 1e-9).

Deterministic (fixed seeds); re-running produces identical bytes.

Run from the repository root:

    python3 scripts/make_llama_reference.py [OUT_DIR]

Requires: numpy, safetensors, gguf (tested with numpy 2.4.6, safetensors 0.8.0,
gguf 0.19.0); optionally torch + transformers for the cross-check (tested with
torch 2.13.0+cpu).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

DEFAULT_OUT = Path("Tests/LlamaModelTests/Fixtures")

VOCAB = 64
HIDDEN = 32
INTERMEDIATE = 64
LAYERS = 2
HEADS = 4
KV_HEADS = 2
HEAD_DIM = 8
ROPE_THETA = 10000.0
RMS_EPS = 1e-5
MAX_POSITIONS = 64

SEQUENCE_LENGTHS = [5, 9, 3]
WEIGHT_STD = 0.2

LR = 1e-2
BETAS = (0.9, 0.95)
ADAM_EPS = 1e-8
WEIGHT_DECAY = 0.1
MAX_GRAD_NORM = 1.0
CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), clamped to 1

GREEDY_SEQUENCE = 0       # index into SEQUENCE_LENGTHS of the greedy prompt
GREEDY_STEPS = 12
GREEDY_MIN_MARGIN = 1e-4  # top-1 minus top-2 logit, at every greedy step

TOL_STRICT = 1e-9   # float64 vs float64 (torch, complex step)
TOL_FD = 1e-6       # plain central differences


# --------------------------------------------------------------------------- config


def hf_config(tied: bool) -> dict:
    return {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "head_dim": HEAD_DIM,
        "hidden_act": "silu",
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE,
        "max_position_embeddings": MAX_POSITIONS,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "num_key_value_heads": KV_HEADS,
        "pad_token_id": 2,
        "pretraining_tp": 1,
        "rms_norm_eps": RMS_EPS,
        "rope_scaling": None,
        "rope_theta": ROPE_THETA,
        "tie_word_embeddings": tied,
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": VOCAB,
    }


def weight_shapes(tied: bool) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {"model.embed_tokens.weight": (VOCAB, HIDDEN)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        shapes[p + "input_layernorm.weight"] = (HIDDEN,)
        shapes[p + "self_attn.q_proj.weight"] = (HEADS * HEAD_DIM, HIDDEN)
        shapes[p + "self_attn.k_proj.weight"] = (KV_HEADS * HEAD_DIM, HIDDEN)
        shapes[p + "self_attn.v_proj.weight"] = (KV_HEADS * HEAD_DIM, HIDDEN)
        shapes[p + "self_attn.o_proj.weight"] = (HIDDEN, HEADS * HEAD_DIM)
        shapes[p + "post_attention_layernorm.weight"] = (HIDDEN,)
        shapes[p + "mlp.gate_proj.weight"] = (INTERMEDIATE, HIDDEN)
        shapes[p + "mlp.up_proj.weight"] = (INTERMEDIATE, HIDDEN)
        shapes[p + "mlp.down_proj.weight"] = (HIDDEN, INTERMEDIATE)
    shapes["model.norm.weight"] = (HIDDEN,)
    if not tied:
        shapes["lm_head.weight"] = (VOCAB, HIDDEN)
    return shapes


def is_norm(name: str) -> bool:
    return name.endswith("layernorm.weight") or name == "model.norm.weight"


def make_weights(tied: bool, seed: int) -> dict[str, np.ndarray]:
    """Random weights, rounded to float32, returned as float64 arrays holding those values."""
    rng = np.random.default_rng(seed)
    weights = {}
    for name, shape in weight_shapes(tied).items():
        if is_norm(name):
            w = 1.0 + 0.1 * rng.standard_normal(shape)
        else:
            w = WEIGHT_STD * rng.standard_normal(shape)
        weights[name] = w.astype(np.float32).astype(np.float64)
    return weights


def make_input(seed: int):
    rng = np.random.default_rng(seed)
    total = sum(SEQUENCE_LENGTHS)
    tokens = rng.integers(0, VOCAB, size=total)
    positions = np.concatenate([np.arange(n) for n in SEQUENCE_LENGTHS])
    targets = np.full(total, -1)
    start = 0
    for n in SEQUENCE_LENGTHS:
        targets[start:start + n - 1] = tokens[start + 1:start + n]
        start += n
    seq_id = np.concatenate([np.full(n, s) for s, n in enumerate(SEQUENCE_LENGTHS)])
    # mask[i, j]: query i may attend to key j (same sequence, j <= i)
    mask = (seq_id[:, None] == seq_id[None, :]) & (np.arange(total)[None, :] <= np.arange(total)[:, None])
    return tokens, positions, targets, mask


# --------------------------------------------------------------------------- maths


def rope_tables(positions: np.ndarray):
    half = HEAD_DIM // 2
    inv_freq = ROPE_THETA ** (-(2.0 * np.arange(half)) / HEAD_DIM)
    angles = positions[:, None].astype(np.float64) * inv_freq[None, :]    # [T, d/2]
    angles = np.concatenate([angles, angles], axis=-1)                     # [T, d]
    return np.cos(angles), np.sin(angles)


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def rms_forward(x, w):
    r = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + RMS_EPS)
    n = x * r
    return n * w, (n, r)


def rms_backward(dy, w, cache):
    n, r = cache
    dw = np.sum(dy * n, axis=0)
    dn = dy * w
    dx = r * (dn - n * np.mean(dn * n, axis=-1, keepdims=True))
    return dx, dw


def log_softmax(z):
    m = np.max(z.real, axis=-1, keepdims=True)
    s = z - m
    return s - np.log(np.sum(np.exp(s), axis=-1, keepdims=True))


def forward(weights, tokens, positions, mask, tied: bool):
    """Returns (logits, final_hidden, cache). Works for float64 and complex128 weights."""
    cos, sin = rope_tables(positions)
    T = len(tokens)
    group = HEADS // KV_HEADS
    scale = 1.0 / np.sqrt(HEAD_DIM)
    x = weights["model.embed_tokens.weight"][tokens]
    layers = []
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        c: dict = {"x_in": x}
        a, c["rms1"] = rms_forward(x, weights[p + "input_layernorm.weight"])
        c["a"] = a
        q = (a @ weights[p + "self_attn.q_proj.weight"].T).reshape(T, HEADS, HEAD_DIM)
        k = (a @ weights[p + "self_attn.k_proj.weight"].T).reshape(T, KV_HEADS, HEAD_DIM)
        v = (a @ weights[p + "self_attn.v_proj.weight"].T).reshape(T, KV_HEADS, HEAD_DIM)
        qr = q * cos[:, None, :] + rotate_half(q) * sin[:, None, :]
        kr = k * cos[:, None, :] + rotate_half(k) * sin[:, None, :]
        o = np.zeros((T, HEADS, HEAD_DIM), dtype=x.dtype)
        probs = []
        for h in range(HEADS):
            g = h // group
            s = (qr[:, h, :] @ kr[:, g, :].T) * scale
            s = np.where(mask, s, 0.0)
            m = np.max(np.where(mask, s.real, -np.inf), axis=-1, keepdims=True)
            e = np.where(mask, np.exp(s - m), 0.0)
            pr = e / np.sum(e, axis=-1, keepdims=True)
            probs.append(pr)
            o[:, h, :] = pr @ v[:, g, :]
        o = o.reshape(T, HEADS * HEAD_DIM)
        c.update(qr=qr, kr=kr, v=v, probs=probs, o=o)
        x = x + o @ weights[p + "self_attn.o_proj.weight"].T
        c["x_mid"] = x
        b, c["rms2"] = rms_forward(x, weights[p + "post_attention_layernorm.weight"])
        c["b"] = b
        gt = b @ weights[p + "mlp.gate_proj.weight"].T
        up = b @ weights[p + "mlp.up_proj.weight"].T
        sig = 1.0 / (1.0 + np.exp(-gt))
        act = gt * sig
        mm = act * up
        c.update(gt=gt, up=up, sig=sig, act=act, mm=mm)
        x = x + mm @ weights[p + "mlp.down_proj.weight"].T
        layers.append(c)
    hf, rms_f = rms_forward(x, weights["model.norm.weight"])
    head = weights["model.embed_tokens.weight"] if tied else weights["lm_head.weight"]
    logits = hf @ head.T
    return logits, hf, {"layers": layers, "rms_f": rms_f, "hf": hf, "cos": cos, "sin": sin}


def loss_from_logits(logits, targets):
    lp = log_softmax(logits)
    rows = np.nonzero(targets >= 0)[0]
    return -np.mean(lp[rows, targets[rows]])


def backward(weights, tokens, cache, tied: bool, dlogits=None, dhidden=None):
    """Hand-written reverse pass. Give dlogits (cotangent of logits) or dhidden
    (cotangent of the final RMSNorm output). Returns {name: gradient}."""
    grads = {name: np.zeros_like(w) for name, w in weights.items()}
    T = len(tokens)
    group = HEADS // KV_HEADS
    scale = 1.0 / np.sqrt(HEAD_DIM)
    cos, sin = cache["cos"], cache["sin"]
    hf = cache["hf"]
    if dlogits is not None:
        head_name = "model.embed_tokens.weight" if tied else "lm_head.weight"
        grads[head_name] += dlogits.T @ hf
        dh = dlogits @ weights[head_name]
    else:
        dh = dhidden.copy()
    dx, grads["model.norm.weight"] = rms_backward(dh, weights["model.norm.weight"], cache["rms_f"])
    for i in reversed(range(LAYERS)):
        p = f"model.layers.{i}."
        c = cache["layers"][i]
        # MLP: x = x_mid + down(act(gate(b)) * up(b))
        dmm = dx @ weights[p + "mlp.down_proj.weight"]
        grads[p + "mlp.down_proj.weight"] = dx.T @ c["mm"]
        dact = dmm * c["up"]
        dup = dmm * c["act"]
        sig, gt = c["sig"], c["gt"]
        dgt = dact * sig * (1.0 + gt * (1.0 - sig))
        grads[p + "mlp.gate_proj.weight"] = dgt.T @ c["b"]
        grads[p + "mlp.up_proj.weight"] = dup.T @ c["b"]
        db = dgt @ weights[p + "mlp.gate_proj.weight"] + dup @ weights[p + "mlp.up_proj.weight"]
        dxm, grads[p + "post_attention_layernorm.weight"] = rms_backward(
            db, weights[p + "post_attention_layernorm.weight"], c["rms2"])
        dx = dx + dxm
        # attention: x_mid = x_in + o_proj(o)
        do = dx @ weights[p + "self_attn.o_proj.weight"]
        grads[p + "self_attn.o_proj.weight"] = dx.T @ c["o"]
        do = do.reshape(T, HEADS, HEAD_DIM)
        qr, kr, v = c["qr"], c["kr"], c["v"]
        dqr = np.zeros_like(qr)
        dkr = np.zeros_like(kr)
        dv = np.zeros_like(v)
        for h in range(HEADS):
            g = h // group
            pr = c["probs"][h]
            dv[:, g, :] += pr.T @ do[:, h, :]
            dp = do[:, h, :] @ v[:, g, :].T
            ds = pr * (dp - np.sum(dp * pr, axis=-1, keepdims=True))
            dqr[:, h, :] = (ds @ kr[:, g, :]) * scale
            dkr[:, g, :] += (ds.T @ qr[:, h, :]) * scale
        # RoPE: y = x cos + rotate_half(x) sin, rotate_half^T = -rotate_half
        dq = dqr * cos[:, None, :] - rotate_half(dqr * sin[:, None, :])
        dk = dkr * cos[:, None, :] - rotate_half(dkr * sin[:, None, :])
        dq = dq.reshape(T, HEADS * HEAD_DIM)
        dk = dk.reshape(T, KV_HEADS * HEAD_DIM)
        dv = dv.reshape(T, KV_HEADS * HEAD_DIM)
        a = c["a"]
        grads[p + "self_attn.q_proj.weight"] = dq.T @ a
        grads[p + "self_attn.k_proj.weight"] = dk.T @ a
        grads[p + "self_attn.v_proj.weight"] = dv.T @ a
        da = (dq @ weights[p + "self_attn.q_proj.weight"]
              + dk @ weights[p + "self_attn.k_proj.weight"]
              + dv @ weights[p + "self_attn.v_proj.weight"])
        dxa, grads[p + "input_layernorm.weight"] = rms_backward(
            da, weights[p + "input_layernorm.weight"], c["rms1"])
        dx = dx + dxa
    np.add.at(grads["model.embed_tokens.weight"], tokens, dx)
    return grads


def loss_and_grads(weights, tokens, positions, targets, mask, tied):
    logits, hf, cache = forward(weights, tokens, positions, mask, tied)
    lp = log_softmax(logits)
    rows = np.nonzero(targets >= 0)[0]
    loss = -np.mean(lp[rows, targets[rows]])
    probs = np.exp(lp)
    dlogits = np.zeros_like(logits)
    dlogits[rows] = probs[rows]
    dlogits[rows, targets[rows]] -= 1.0
    dlogits /= len(rows)
    grads = backward(weights, tokens, cache, tied, dlogits=dlogits)
    return loss, logits, hf, grads


def global_norm(grads):
    return float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))


def adamw_step(weights, grads, state, step):
    """Clip by global norm (torch clip_grad_norm_), then one torch.optim.AdamW step."""
    norm = global_norm(grads)
    coef = min(1.0, MAX_GRAD_NORM / (norm + CLIP_EPS))
    b1, b2 = BETAS
    bc1 = 1.0 - b1 ** step
    bc2 = 1.0 - b2 ** step
    new = {}
    for name, w in weights.items():
        g = grads[name] * coef
        wd = 0.0 if is_norm(name) else WEIGHT_DECAY
        p = w * (1.0 - LR * wd)
        m, v = state.get(name, (np.zeros_like(w), np.zeros_like(w)))
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * g * g
        state[name] = (m, v)
        new[name] = p - LR * (m / bc1) / (np.sqrt(v / bc2) + ADAM_EPS)
    return new, norm


def greedy_decode(weights, prompt, steps: int, tied: bool):
    """Greedy continuation of one sequence: each step runs the full forward over
    prompt + generated tokens (positions 0..T-1, causal mask) and appends the argmax of
    the last position's logits (np.argmax: ties go to the lowest id). Returns
    (continuation, log-softmax of each chosen token, top-1 minus top-2 logit per step,
    last-position logits of the first step)."""
    seq = [int(t) for t in prompt]
    continuation, logprobs, margins = [], [], []
    first_logits = None
    for _ in range(steps):
        T = len(seq)
        mask = np.tril(np.ones((T, T), dtype=bool))
        last = forward(weights, np.array(seq), np.arange(T), mask, tied)[0][-1]
        if first_logits is None:
            first_logits = last
        token = int(np.argmax(last))
        top2 = np.sort(last)[-2:]
        continuation.append(token)
        logprobs.append(float(log_softmax(last)[token]))
        margins.append(float(top2[1] - top2[0]))
        seq.append(token)
    return continuation, logprobs, margins, first_logits


# --------------------------------------------------------------------------- checks


def rel_err(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def pick_coordinates(weights, rng, per_tensor=2):
    coords = []
    for name in sorted(weights):
        w = weights[name]
        for _ in range(per_tensor):
            coords.append((name, tuple(int(rng.integers(0, s)) for s in w.shape)))
    return coords


def finite_difference_checks(weights, tokens, positions, targets, mask, tied, grads, dh_G, dh_grads):
    """Complex-step (exact to rounding) and central-difference derivatives of the loss and
    of sum(final_hidden * G) at a few coordinates of every weight tensor."""
    rng = np.random.default_rng(1234 + int(tied))
    coords = pick_coordinates(weights, rng)
    # the token-embedding gradient is zero for rows of unused tokens: add used rows
    for t in tokens[:3]:
        coords.append(("model.embed_tokens.weight", (int(t), int(rng.integers(0, HIDDEN)))))

    def scalar_fns(ws):
        logits, hf, _ = forward(ws, tokens, positions, mask, tied)
        return loss_from_logits(logits, targets), np.sum(hf * dh_G)

    max_cs = [0.0, 0.0]
    max_fd = [0.0, 0.0]
    h_cs = 1e-30
    h_fd = 1e-5
    for name, idx in coords:
        analytic = (grads[name][idx], dh_grads[name][idx])
        cw = {k: v.astype(np.complex128) for k, v in weights.items()}
        cw[name][idx] += 1j * h_cs
        cs = [float(np.imag(s)) / h_cs for s in scalar_fns(cw)]
        plus = {k: v.copy() for k, v in weights.items()}
        minus = {k: v.copy() for k, v in weights.items()}
        plus[name][idx] += h_fd
        minus[name][idx] -= h_fd
        fp = scalar_fns(plus)
        fm = scalar_fns(minus)
        fd = [(fp[j] - fm[j]) / (2 * h_fd) for j in range(2)]
        for j in range(2):
            scale = max(abs(cs[j]), 1e-3 * (np.max(np.abs(grads[name])) if j == 0 else np.max(np.abs(dh_grads[name]))), 1e-12)
            e_cs = abs(analytic[j] - cs[j]) / scale
            e_fd = abs(analytic[j] - fd[j]) / scale
            max_cs[j] = max(max_cs[j], e_cs)
            max_fd[j] = max(max_fd[j], e_fd)
    assert max(max_cs) < TOL_STRICT, f"complex-step mismatch {max_cs}"
    assert max(max_fd) < TOL_FD, f"finite-difference mismatch {max_fd}"
    return len(coords), max_cs, max_fd


class _Float64Internals:
    """transformers computes three things in float32 even in a float64 model: the RoPE
    cos/sin tables (LlamaRotaryEmbedding.forward), RMSNorm (LlamaRMSNorm.forward casts to
    float32) and the eager attention softmax (dtype=torch.float32). Inside this context
    those three are replaced by the same code without the float32 casts, so the
    cross-check can be held to float64 precision. Everything else (projections, GQA
    repeat_kv, rotate_half / apply_rotary_pos_emb, residuals, SwiGLU, head) is HF's."""

    def __enter__(self):
        import torch
        import transformers.models.llama.modeling_llama as ml
        self.ml = ml
        self.saved = (ml.LlamaRMSNorm.forward, ml.LlamaRotaryEmbedding.forward, ml.eager_attention_forward)

        def rms_forward64(module, hidden_states):
            variance = hidden_states.pow(2).mean(-1, keepdim=True)
            return module.weight * (hidden_states * torch.rsqrt(variance + module.variance_epsilon))

        def rotary_forward64(module, x, position_ids):
            cfg = module.config
            base = cfg.rope_parameters["rope_theta"]
            dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
            inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
            assert torch.allclose(inv_freq.float(), module.inv_freq.float(), rtol=1e-6, atol=0)
            freqs = position_ids[..., None].double() * inv_freq
            emb = torch.cat((freqs, freqs), dim=-1)
            return emb.cos() * module.attention_scaling, emb.sin() * module.attention_scaling

        def eager64(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
            key_states = ml.repeat_kv(key, module.num_key_value_groups)
            value_states = ml.repeat_kv(value, module.num_key_value_groups)
            attn_weights = torch.matmul(query, key_states.transpose(2, 3)) * scaling
            if attention_mask is not None:
                attn_weights = attn_weights + attention_mask
            attn_weights = torch.nn.functional.softmax(attn_weights, dim=-1)
            attn_output = torch.matmul(attn_weights, value_states).transpose(1, 2).contiguous()
            return attn_output, attn_weights

        ml.LlamaRMSNorm.forward = rms_forward64
        ml.LlamaRotaryEmbedding.forward = rotary_forward64
        ml.eager_attention_forward = eager64
        return self

    def __exit__(self, *exc):
        ml = self.ml
        ml.LlamaRMSNorm.forward, ml.LlamaRotaryEmbedding.forward, ml.eager_attention_forward = self.saved
        return False


def torch_checks(weights, tokens, targets, tied, expected):
    """Cross-check against transformers' LlamaForCausalLM + torch autograd in float64.
    Returns (errors with HF's float32 internals, errors with float64 internals)."""
    try:
        import torch
        import transformers
        from transformers import LlamaConfig, LlamaForCausalLM
    except ImportError:
        print("  torch/transformers not installed: torch cross-check skipped")
        return None
    torch.manual_seed(0)
    cfg = LlamaConfig(**{k: v for k, v in hf_config(tied).items() if k not in ("architectures", "torch_dtype", "model_type")})
    cfg._attn_implementation = "eager"
    assert cfg.rope_parameters["rope_theta"] == ROPE_THETA and cfg.rope_parameters["rope_type"] == "default"

    def build():
        model = LlamaForCausalLM(cfg).double()
        with torch.no_grad():
            state = model.state_dict()
            for name, w in weights.items():
                state[name].copy_(torch.from_numpy(w))
        if tied:
            assert model.lm_head.weight is model.model.embed_tokens.weight
        else:
            assert model.lm_head.weight is not model.model.embed_tokens.weight
        model.eval()
        params = dict(model.named_parameters())
        assert sorted(params) == sorted(weights), (sorted(params), sorted(weights))
        return model, params

    def run(model):
        """Each sequence separately (batch of 1, positions from 0, HF's own causal mask);
        returns (logits [T,V], final hidden [T,D], mean loss over all 14 targets)."""
        logits_all, hidden_all, nll = [], [], []
        start = 0
        for n in SEQUENCE_LENGTHS:
            ids = torch.tensor(tokens[start:start + n], dtype=torch.long)[None]
            hidden = model.model(input_ids=ids, use_cache=False).last_hidden_state[0]
            logits = model.lm_head(hidden)
            logits_all.append(logits)
            hidden_all.append(hidden)
            lp = torch.log_softmax(logits, dim=-1)
            tg = torch.tensor(targets[start:start + n - 1], dtype=torch.long)
            nll.append(-lp[torch.arange(n - 1), tg])
            start += n
        return torch.cat(logits_all), torch.cat(hidden_all), torch.cat(nll).mean()

    def grad_of(p):
        return np.zeros(tuple(p.shape)) if p.grad is None else p.grad.numpy()

    def compare(with_optimizer: bool):
        model, params = build()
        res = {}
        logits, hidden, loss = run(model)
        res["logits"] = rel_err(logits.detach().numpy(), expected["logits"])
        res["final_hidden"] = rel_err(hidden.detach().numpy(), expected["final_hidden"])
        res["loss"] = abs(loss.item() - expected["loss"]) / abs(expected["loss"])
        loss.backward()
        res["grads"] = max(rel_err(grad_of(params[n]), expected["grads"][n]) for n in weights)
        model.zero_grad()
        _, hidden, _ = run(model)
        (hidden * torch.from_numpy(expected["G"])).sum().backward()
        res["dhidden_grads"] = max(rel_err(grad_of(params[n]), expected["dh_grads"][n]) for n in weights)
        if not with_optimizer:
            return res
        decay = [p for n, p in model.named_parameters() if not is_norm(n)]
        no_decay = [p for n, p in model.named_parameters() if is_norm(n)]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=LR, betas=BETAS, eps=ADAM_EPS, foreach=False)
        norms = []
        for step in (1, 2):
            model.zero_grad()
            _, _, loss = run(model)
            loss.backward()
            norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM, foreach=False).item())
            opt.step()
            key = f"adamw{step}"
            res[key] = max(rel_err(params[n].detach().numpy(), expected[key][n]) for n in weights)
        with torch.no_grad():
            _, _, loss = run(model)
        res["grad_norm"] = abs(norms[0] - expected["grad_norm"]) / expected["grad_norm"]
        res["loss_after_2"] = abs(loss.item() - expected["loss_after_2"]) / abs(expected["loss_after_2"])
        return res

    as_is = compare(with_optimizer=False)
    for k, v in as_is.items():
        assert v < 1e-5, f"torch (HF float32 internals) mismatch in {k}: {v}"
    with _Float64Internals():
        exact = compare(with_optimizer=True)
    for k, v in exact.items():
        assert v < TOL_STRICT, f"torch (float64 internals) mismatch in {k}: {v}"
    versions = f"torch {torch.__version__} / transformers {transformers.__version__}"
    return versions, as_is, exact


# --------------------------------------------------------------------------- outputs


def permute_llama_cpp(w: np.ndarray, n_head: int) -> np.ndarray:
    """convert_hf_to_gguf.py LlamaModel.permute (q: n_head, k: n_head_kv)."""
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2)
            .reshape(w.shape))


def write_gguf(path: Path, weights: dict[str, np.ndarray]):
    import gguf
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny-llama-reference")
    writer.add_block_count(LAYERS)
    writer.add_context_length(MAX_POSITIONS)
    writer.add_embedding_length(HIDDEN)
    writer.add_feed_forward_length(INTERMEDIATE)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_freq_base(ROPE_THETA)
    writer.add_layer_norm_rms_eps(RMS_EPS)
    writer.add_vocab_size(VOCAB)
    writer.add_rope_dimension_count(HEAD_DIM)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    # no tokenizer.* keys at all (so no special token ids): LlamaReferenceTests expects the
    # config read from this file to equal config.json minus bos/eos/pad

    def f32(a):
        return np.ascontiguousarray(a.astype(np.float32))

    writer.add_tensor("token_embd.weight", f32(weights["model.embed_tokens.weight"]))
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        b = f"blk.{i}."
        writer.add_tensor(b + "attn_norm.weight", f32(weights[p + "input_layernorm.weight"]))
        writer.add_tensor(b + "attn_q.weight", f32(permute_llama_cpp(weights[p + "self_attn.q_proj.weight"], HEADS)))
        writer.add_tensor(b + "attn_k.weight", f32(permute_llama_cpp(weights[p + "self_attn.k_proj.weight"], KV_HEADS)))
        writer.add_tensor(b + "attn_v.weight", f32(weights[p + "self_attn.v_proj.weight"]))
        writer.add_tensor(b + "attn_output.weight", f32(weights[p + "self_attn.o_proj.weight"]))
        writer.add_tensor(b + "ffn_norm.weight", f32(weights[p + "post_attention_layernorm.weight"]))
        writer.add_tensor(b + "ffn_gate.weight", f32(weights[p + "mlp.gate_proj.weight"]))
        writer.add_tensor(b + "ffn_up.weight", f32(weights[p + "mlp.up_proj.weight"]))
        writer.add_tensor(b + "ffn_down.weight", f32(weights[p + "mlp.down_proj.weight"]))
    writer.add_tensor("output_norm.weight", f32(weights["model.norm.weight"]))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def check_gguf(path: Path, weights: dict[str, np.ndarray]):
    """Read the GGUF back; check the tensors and that llama.cpp's RoPE (rotating adjacent
    pairs (2i, 2i+1) of each head, LLAMA_ROPE_TYPE_NORM) on the permuted q/k projections
    equals HF's rotate-half RoPE on the original ones, up to the same row permutation."""
    import gguf
    reader = gguf.GGUFReader(str(path))
    got = {t.name: np.asarray(t.data).reshape([int(d) for d in reversed(t.shape)]) for t in reader.tensors}
    assert all(t.tensor_type == gguf.GGMLQuantizationType.F32 for t in reader.tensors)
    assert len(got) == 2 + 9 * LAYERS, sorted(got)
    np.testing.assert_array_equal(got["token_embd.weight"], weights["model.embed_tokens.weight"])
    rng = np.random.default_rng(5)
    x = rng.standard_normal((11, HIDDEN))
    pos = np.arange(11) * 3
    cos, sin = rope_tables(pos)
    half = HEAD_DIM // 2
    inv_freq = ROPE_THETA ** (-(2.0 * np.arange(half)) / HEAD_DIM)
    ang = pos[:, None] * inv_freq[None, :]
    for i in range(LAYERS):
        for short, hf_name, n_head in (("attn_q", "q_proj", HEADS), ("attn_k", "k_proj", KV_HEADS)):
            w_hf = weights[f"model.layers.{i}.self_attn.{hf_name}.weight"]
            w_cpp = got[f"blk.{i}.{short}.weight"]
            np.testing.assert_array_equal(w_cpp, permute_llama_cpp(w_hf, n_head))
            y_hf = (x @ w_hf.T).reshape(11, n_head, HEAD_DIM)
            y_hf = y_hf * cos[:, None, :] + rotate_half(y_hf) * sin[:, None, :]
            y_cpp = (x @ w_cpp.T).reshape(11, n_head, HEAD_DIM)
            even, odd = y_cpp[..., 0::2], y_cpp[..., 1::2]
            c, s_ = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
            r = np.empty_like(y_cpp)
            r[..., 0::2] = even * c - odd * s_
            r[..., 1::2] = even * s_ + odd * c
            # the permutation maps HF dim j (< d/2) to 2j and d/2 + j to 2j + 1
            np.testing.assert_allclose(r[..., 0::2], y_hf[..., :half], rtol=0, atol=1e-12)
            np.testing.assert_allclose(r[..., 1::2], y_hf[..., half:], rtol=0, atol=1e-12)
        for short, hf_name in (("attn_norm", "input_layernorm"), ("attn_v", "self_attn.v_proj"),
                               ("attn_output", "self_attn.o_proj"), ("ffn_norm", "post_attention_layernorm"),
                               ("ffn_gate", "mlp.gate_proj"), ("ffn_up", "mlp.up_proj"), ("ffn_down", "mlp.down_proj")):
            np.testing.assert_array_equal(got[f"blk.{i}.{short}.weight"], weights[f"model.layers.{i}.{hf_name}.weight"])
    np.testing.assert_array_equal(got["output_norm.weight"], weights["model.norm.weight"])
    print(f"  GGUF read back: {len(got)} tensors equal; llama.cpp interleaved RoPE on permuted q/k == HF rotate-half RoPE")


def build_variant(out_dir: Path, tied: bool):
    variant = "tied" if tied else "untied"
    print(f"== variant {variant}")
    weights = make_weights(tied, seed=20240 + int(tied))
    tokens, positions, targets, mask = make_input(seed=7)
    loss, logits, hf, grads = loss_and_grads(weights, tokens, positions, targets, mask, tied)
    lp = log_softmax(logits)
    probs = np.exp(lp)
    entropy = -np.sum(probs * lp, axis=-1)
    target_lp = np.where(targets >= 0, lp[np.arange(len(tokens)), np.maximum(targets, 0)], 0.0)

    # backward from d(final_hidden)
    G = np.random.default_rng(99 + int(tied)).standard_normal((len(tokens), HIDDEN)).astype(np.float32).astype(np.float64)
    _, _, cache = forward(weights, tokens, positions, mask, tied)
    dh_grads = backward(weights, tokens, cache, tied, dhidden=G)

    # two AdamW steps on the same batch
    state: dict = {}
    w1, grad_norm = adamw_step(weights, grads, state, step=1)
    _, _, _, grads1 = loss_and_grads(w1, tokens, positions, targets, mask, tied)
    w2, grad_norm_2 = adamw_step(w1, grads1, state, step=2)
    loss2 = loss_from_logits(forward(w2, tokens, positions, mask, tied)[0], targets)

    print(f"  loss {loss:.10f}   grad norm (pre-clip) {grad_norm:.10f}   "
          f"grad norm at step 2 {grad_norm_2:.10f}   loss after 2 AdamW steps {loss2:.10f}")

    # greedy continuation of the first packed sequence
    g_start = sum(SEQUENCE_LENGTHS[:GREEDY_SEQUENCE])
    g_prompt = tokens[g_start:g_start + SEQUENCE_LENGTHS[GREEDY_SEQUENCE]]
    g_cont, g_lp, g_margins, g_first = greedy_decode(weights, g_prompt, GREEDY_STEPS, tied)
    # step 0 sees exactly the prompt: its logits are the packed forward's at the prompt's end
    assert rel_err(g_first, logits[g_start + len(g_prompt) - 1]) < 1e-12
    assert len(g_prompt) + GREEDY_STEPS <= MAX_POSITIONS
    print(f"  greedy: prompt {[int(t) for t in g_prompt]} -> {g_cont}")
    print("  greedy top-1 minus top-2 logit per step: " + " ".join(f"{m:.3e}" for m in g_margins)
          + f"  (min {min(g_margins):.3e})")
    print("  greedy log-probs: " + " ".join(f"{v:.6f}" for v in g_lp))
    assert min(g_margins) >= GREEDY_MIN_MARGIN, f"greedy margin {min(g_margins)} < {GREEDY_MIN_MARGIN}"

    n, cs, fd = finite_difference_checks(weights, tokens, positions, targets, mask, tied, grads, G, dh_grads)
    print(f"  {n} coordinates: complex-step max rel err loss-grad {cs[0]:.2e}, dhidden-grad {cs[1]:.2e} "
          f"(tol {TOL_STRICT:g}); central-difference (h=1e-5) {fd[0]:.2e}, {fd[1]:.2e} (tol {TOL_FD:g})")

    expected = {"logits": logits, "final_hidden": hf, "loss": loss, "grads": grads, "G": G,
                "dh_grads": dh_grads, "adamw1": w1, "adamw2": w2, "grad_norm": grad_norm,
                "loss_after_2": loss2}
    res = torch_checks(weights, tokens, targets, tied, expected)
    if res is not None:
        versions, as_is, exact = res
        print(f"  {versions}, LlamaForCausalLM in float64, autograd; max rel err vs numpy:")
        print("   HF as is (RoPE tables, RMSNorm, softmax in float32; tol 1e-5):")
        print("     " + "  ".join(f"{k} {v:.2e}" for k, v in as_is.items()))
        print(f"   with those three in float64 (tol {TOL_STRICT:g}):")
        print("     " + "  ".join(f"{k} {v:.2e}" for k, v in exact.items()))

    # np.array(order="C") keeps 0-d scalars 0-d (np.ascontiguousarray would make them [1])
    f32 = lambda a: np.array(np.asarray(a, dtype=np.float64), dtype=np.float32, order="C")
    i32 = lambda a: np.array(a, dtype=np.int32, order="C")
    tensors: dict[str, np.ndarray] = {}
    for name, w in weights.items():
        tensors[name] = f32(w)
        tensors["grad." + name] = f32(grads[name])
        tensors["adamw1." + name] = f32(w1[name])
        tensors["adamw2." + name] = f32(w2[name])
        tensors["grad_at_adamw1." + name] = f32(grads1[name])
        tensors["dhidden_check.grad." + name] = f32(dh_grads[name])
    tensors["input.tokens"] = i32(tokens)
    tensors["input.positions"] = i32(positions)
    tensors["input.sequence_lengths"] = i32(SEQUENCE_LENGTHS)
    tensors["input.targets"] = i32(targets)
    tensors["expected.logits"] = f32(logits)
    tensors["expected.target_logprobs"] = f32(target_lp)
    tensors["expected.entropy"] = f32(entropy)
    tensors["expected.loss"] = f32(loss)
    tensors["expected.final_hidden"] = f32(hf)
    tensors["expected.grad_norm"] = f32(grad_norm)
    tensors["expected.grad_norm_2"] = f32(grad_norm_2)
    tensors["expected.loss_after_2"] = f32(loss2)
    tensors["dhidden_check.G"] = f32(G)
    tensors["greedy.prompt"] = i32(g_prompt)
    tensors["greedy.continuation"] = i32(g_cont)
    tensors["greedy.logprobs"] = f32(g_lp)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out_dir / f"tiny_llama_{variant}.safetensors"),
              # a single metadata key: the Rust core keeps __metadata__ in a randomly
              # seeded HashMap, so several keys would come out in varying order
              metadata={"source": f"scripts/make_llama_reference.py ({variant})"})
    (out_dir / f"tiny_llama_{variant}.config.json").write_text(json.dumps(hf_config(tied), indent=2, sort_keys=True) + "\n")
    if tied:
        write_gguf(out_dir / "tiny_llama_tied.gguf", weights)
        check_gguf(out_dir / "tiny_llama_tied.gguf", weights)
    return sorted(tensors)


def main(argv: list[str]) -> None:
    out_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    np.seterr(all="raise", under="ignore")
    for tied in (True, False):
        tensors = build_variant(out_dir, tied)
        print(f"  {len(tensors)} tensors written")
    print("all checks passed")


if __name__ == "__main__":
    main(sys.argv)
