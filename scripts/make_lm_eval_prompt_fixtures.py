#!/usr/bin/env python3
"""BBH chain-of-thought and MATH-500 Minerva prompts as lm-evaluation-harness builds them, for
`rlvr eval`'s tests.

For each of the 27 `bbh_cot_fewshot_<task>` task files of lm-eval 0.4.13 (description, the three
exemplars of `fewshot_config.samples`, `doc_to_text`, target delimiter "" and few-shot delimiter
"\\n\\n"), writes the prompt of the task's first document in `data/eval/bbh/data/<task>.json`:

    description + sum(doc_to_text(shot) + shot.target + "\\n\\n") + doc_to_text(doc)

to Tests/EvaluationTests/Fixtures/lm_eval/bbh_prompts.jsonl as {"task", "doc_index", "prompt",
"until", "max_gen_toks"}. The engine builds the same prompts from `bbh/cot-prompts/<task>.txt`
instead, so the fixture checks that parse against lm-eval's own copy of the exemplars.

For `minerva_math500`: the prompts of the first 5 problems of `data/eval/math500/test.jsonl`, built
with lm-eval's `minerva_math/utils.py` (`doc_to_text`, `list_fewshot_samples`; target delimiter " ",
few-shot delimiter "\n\n") to .../math500_prompts.jsonl.

Development tool (never a dependency of the engine). Run from the repository root with lm-eval
installed: `pip install "lm-eval==0.4.13"; python3 scripts/make_lm_eval_prompt_fixtures.py`.
"""
import glob
import json
import os

import lm_eval
import yaml

folder = os.path.join(os.path.dirname(lm_eval.__file__), "tasks", "bbh", "cot_fewshot")
template = yaml.safe_load(open(os.path.join(folder, "_cot_fewshot_template_yaml")))
rows = []
for path in sorted(glob.glob(os.path.join(folder, "*.yaml"))):
    if os.path.basename(path).startswith("_"):
        continue
    config = yaml.safe_load(open(path))
    task = config["dataset_name"]
    doc = json.load(open(f"data/eval/bbh/data/{task}.json"))["examples"][0]
    text = lambda d: config["doc_to_text"].replace("{{input}}", d["input"])
    prompt = config["description"] + "".join(text(s) + template["target_delimiter"] + s["target"] + "\n\n"
                                              for s in config["fewshot_config"]["samples"]) + text(doc)
    rows.append({"task": task, "doc_index": 0, "prompt": prompt, "until": template["generation_kwargs"]["until"],
                 "max_gen_toks": template["generation_kwargs"]["max_gen_toks"]})
with open("Tests/EvaluationTests/Fixtures/lm_eval/bbh_prompts.jsonl", "w") as out:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
print(f"{len(rows)} BBH prompts")

from lm_eval.tasks.minerva_math import utils as minerva

shots = minerva.list_fewshot_samples()
rows = []
with open("data/eval/math500/test.jsonl") as problems:
    for index, line in zip(range(5), problems):
        doc = json.loads(line)
        prompt = "".join(minerva.doc_to_text(s) + " " + s["solution"] + "\n\n" for s in shots) + minerva.doc_to_text(doc)
        rows.append({"task": "math500", "doc_index": index, "prompt": prompt, "until": ["Problem:"], "max_gen_toks": 256})
with open("Tests/EvaluationTests/Fixtures/lm_eval/math500_prompts.jsonl", "w") as out:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
print(f"{len(rows)} MATH-500 prompts")
