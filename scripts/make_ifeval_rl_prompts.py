"""Writes data/ifeval-rl-prompts.jsonl and data/ifeval-rl-held-out.jsonl: RLVR prompts with verifiable
formatting constraints, in open-instruct's format {"messages": [user], "ground_truth": {...}, "dataset": "ifeval"}.

Each prompt is a short writing task (this project's own topics and task templates) plus one or two
constraints from the IFEval instruction families, worded as Google's IFEval words them, with varied
arguments; the ground truth is IFEval's {"instruction_id_list": [...], "kwargs": [...]}. Held-out
prompts use topics the training prompts never use.

Usage: python3 scripts/make_ifeval_rl_prompts.py [--train 600] [--held-out 100] [--seed 7]
"""
import argparse
import json
import random

parser = argparse.ArgumentParser()
parser.add_argument("--train", type=int, default=600)
parser.add_argument("--held-out", type=int, default=100)
parser.add_argument("--seed", type=int, default=7)
args = parser.parse_args()

TRAIN_TOPICS = ["the ocean", "a rainy day", "your favourite book", "learning to cook", "a city at night", "the moon",
                "a long train journey", "winter mornings", "a small garden", "the history of bread", "bicycles",
                "a mountain hike", "coffee", "a lost key", "friendship", "the first day of school", "a thunderstorm",
                "old photographs", "a busy market", "the desert", "owls", "a quiet library", "paper boats", "the wind"]
HELD_OUT_TOPICS = ["a lighthouse", "autumn leaves", "a jazz concert", "volcanoes", "a village bakery", "snow", "kites", "bees"]
TASKS = ["Write a short paragraph about {t}.", "Describe {t} in a few sentences.", "Write a short story about {t}.",
         "Explain why people like {t}.", "Write a brief note to a friend about {t}.", "Give some advice about {t}."]
WORDS = ["river", "light", "memory", "silver", "journey", "window", "quiet", "bright", "simple", "green", "warm", "stone"]
ENDINGS = ["Is there anything else I can help with?", "Let me know if you have additional questions.", "That is all."]


def constraint(rng):
    kind = rng.choice(["no_comma", "lowercase", "capital", "end", "quotation", "title", "existence", "forbidden",
                       "words", "postscript", "bullets", "highlights"])
    if kind == "no_comma":
        return "punctuation:no_comma", {}, "Do not use any commas in your response."
    if kind == "lowercase":
        return ("change_case:english_lowercase", {},
                "Your entire response should be in English, and in all lowercase letters. No capital letters are allowed.")
    if kind == "capital":
        return "change_case:english_capital", {}, "Your entire response should be in English, and in all capital letters."
    if kind == "end":
        phrase = rng.choice(ENDINGS)
        return ("startend:end_checker", {"end_phrase": phrase},
                f"Finish your response with this exact phrase {phrase} No other words should follow this phrase.")
    if kind == "quotation":
        return "startend:quotation", {}, "Wrap your entire response with double quotation marks."
    if kind == "title":
        return ("detectable_format:title", {},
                "Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>.")
    if kind == "existence":
        keywords = rng.sample(WORDS, 2)
        return ("keywords:existence", {"keywords": keywords}, f"Include keywords {', '.join(keywords)} in the response.")
    if kind == "forbidden":
        words = rng.sample(WORDS, 2)
        return ("keywords:forbidden_words", {"forbidden_words": words},
                f"Do not include keywords {', '.join(words)} in the response.")
    if kind == "words":
        if rng.random() < 0.5:
            n = rng.choice([30, 40, 50, 60])
            return ("length_constraints:number_words", {"relation": "less than", "num_words": n}, f"Answer with less than {n} words.")
        n = rng.choice([20, 30, 40])
        return ("length_constraints:number_words", {"relation": "at least", "num_words": n}, f"Answer with at least {n} words.")
    if kind == "postscript":
        marker = rng.choice(["P.S.", "P.P.S"])
        return ("detectable_content:postscript", {"postscript_marker": marker},
                f"At the end of your response, please explicitly add a postscript starting with {marker}")
    if kind == "bullets":
        n = rng.choice([2, 3, 4])
        return ("detectable_format:number_bullet_lists", {"num_bullets": n},
                f"Your answer must contain exactly {n} bullet points. Use the markdown bullet points such as:\n* This is point 1.\n* This is point 2")
    n = rng.choice([1, 2, 3])
    return ("detectable_format:number_highlighted_sections", {"num_highlights": n},
            f"Highlight at least {n} sections in your answer with markdown, i.e. *highlighted section*.")


def prompts(count, topics, rng):
    rows = []
    for _ in range(count):
        task = rng.choice(TASKS).format(t=rng.choice(topics))
        chosen, ids = [], set()
        for _ in range(1 if rng.random() < 0.7 else 2):
            instruction_id, kwargs, text = constraint(rng)
            family = instruction_id.split(":")[0]
            if instruction_id in ids or (family == "change_case" and any(i.startswith("change_case") for i in ids)):
                continue
            ids.add(instruction_id)
            chosen.append((instruction_id, kwargs, text))
        prompt = task + " " + " ".join(text for _, _, text in chosen)
        truth = {"instruction_id_list": [i for i, _, _ in chosen], "kwargs": [k for _, k, _ in chosen]}
        rows.append({"messages": [{"role": "user", "content": prompt}], "ground_truth": truth, "dataset": "ifeval"})
    return rows


rng = random.Random(args.seed)
for path, count, topics in [("data/ifeval-rl-prompts.jsonl", args.train, TRAIN_TOPICS),
                            ("data/ifeval-rl-held-out.jsonl", args.held_out, HELD_OUT_TOPICS)]:
    with open(path, "w", encoding="utf-8") as f:
        for row in prompts(count, topics, rng):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{path}: {count} prompts")
