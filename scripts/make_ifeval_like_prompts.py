#!/usr/bin/env python3
"""Writes data/ifeval-like-rl-prompts.jsonl and data/ifeval-like-held-out.jsonl: RLVR prompts for
instruction following that look like IFEval but are not IFEval.

Every prompt is a writing task (this project's own task templates and topics) followed by one to three
constraints drawn from all 25 IFEval instruction types, worded in this project's own phrasings (two
or more per type, none copied from IFEval) with varied arguments, and mutually compatible (no
lowercase-and-capitals, no JSON with sections, ...). The ground truth is IFEval's
{"instruction_id_list": [...], "kwargs": [...]} with Google's argument names, so the `ifeval`
verifier checks the responses. Held-out prompts use topics and tasks the training prompts never use.

Rows are in open-instruct's RLVR format {"messages": [user], "ground_truth": {...}, "dataset": "ifeval"}.
Decontamination against the 541 IFEval prompts is scripts/check_ifeval_overlap.py (Tülu 3's rule).

Usage: python3 scripts/make_ifeval_like_prompts.py [--train 2000] [--held-out 200] [--seed 11]
Deterministic for a given seed (CPython's random).
"""
import argparse
import json
import random

parser = argparse.ArgumentParser()
parser.add_argument("--train", type=int, default=2000)
parser.add_argument("--held-out", type=int, default=200)
parser.add_argument("--seed", type=int, default=11)
args = parser.parse_args()

TRAIN_TOPICS = ["the ocean", "a rainy afternoon", "your favourite book", "learning to cook", "a city at night", "the moon",
                "a long train journey", "winter mornings", "a small garden", "the history of bread", "bicycles", "a mountain hike",
                "coffee", "a lost key", "friendship", "the first day of school", "a thunderstorm", "old photographs", "a busy market",
                "the desert", "owls", "a quiet library", "paper boats", "the wind", "public transport", "recycling", "a museum visit",
                "board games", "learning a language", "street food", "a school science fair", "electric cars", "sleep", "honey bees",
                "a neighbourhood park", "clocks", "the internet", "a family recipe", "hiking boots", "rain forests", "a job interview",
                "maps", "a birthday party", "tea", "volunteering", "the night sky", "running shoes", "a fishing trip"]
HELD_OUT_TOPICS = ["a lighthouse", "autumn leaves", "a jazz concert", "volcanoes", "a village bakery", "snow", "kites", "bees in cities",
                   "a chess tournament", "submarines", "a flea market", "glaciers"]
TRAIN_TASKS = ["Write a short paragraph about {t}.", "Describe {t} for a child.", "Write a short story about {t}.",
               "Explain why people enjoy {t}.", "Write a note to a friend about {t}.", "Give practical advice about {t}.",
               "Write a product description inspired by {t}.", "Write a blog post introduction about {t}.",
               "Summarise the main facts about {t}.", "Write a persuasive message in favour of {t}.",
               "Write a poem about {t}.", "Plan a short talk about {t}."]
HELD_OUT_TASKS = ["Write a diary entry about {t}.", "Write a news-style report about {t}.", "Compose a letter to a mayor about {t}."]
QUESTIONS = ["Do you think a class of ten-year-olds would enjoy a whole afternoon spent on the topic of {t}?",
             "Would you recommend that a beginner with little free time start reading about {t} this month?",
             "Is {t} a good subject for a short school presentation in front of parents and teachers?"]
WORDS = ["river", "light", "memory", "silver", "journey", "window", "quiet", "bright", "simple", "green", "warm", "stone",
         "harbor", "lantern", "meadow", "thread", "signal", "orbit"]
ENDINGS = ["Any other questions?", "Thanks for reading.", "That is all for now.", "Hope this helps."]
LANGUAGES = {"de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese"}
RELATIONS = ["at least", "less than"]


def pick(rng, options):
    return rng.choice(options)


# Each maker returns (instruction id, kwargs, text). `task` is the task sentence (for repeat_prompt).
def no_comma(rng, task):
    return "punctuation:no_comma", {}, pick(rng, ["Avoid commas entirely in what you write.", "Your answer must not contain a single comma."])

def lowercase(rng, task):
    return "change_case:english_lowercase", {}, pick(rng, ["Write everything in lowercase letters; no capitals at all.",
                                                           "Use only lowercase English letters throughout the answer."])

def capital(rng, task):
    return "change_case:english_capital", {}, pick(rng, ["Write the whole answer in English using only CAPITAL letters.",
                                                         "Every letter of your reply should be uppercase English."])

def capital_words(rng, task):
    relation, n = pick(rng, RELATIONS), rng.randint(2, 6)
    text = pick(rng, [f"Use {relation} {n} fully capitalised words (like THIS) in your reply.",
                      f"The number of words written entirely in capitals must be {relation} {n}."])
    return "change_case:capital_word_frequency", {"capital_relation": relation, "capital_frequency": n}, text

def end_phrase(rng, task):
    phrase = pick(rng, ENDINGS)
    return "startend:end_checker", {"end_phrase": phrase}, pick(rng, [f"Close with exactly this sentence and nothing after it: {phrase}",
                                                                      f"The very last words of the reply must be: {phrase}"])

def quotation(rng, task):
    return "startend:quotation", {}, pick(rng, ["Put the entire reply inside a pair of double quotes.",
                                                "Begin and end your whole answer with a double quotation mark."])

def title(rng, task):
    return "detectable_format:title", {}, pick(rng, ["Give the text a title between double angle brackets, for example <<a title>>.",
                                                     "Start with a title written inside << and >>."])

def existence(rng, task):
    words = rng.sample(WORDS, 2)
    return "keywords:existence", {"keywords": words}, pick(rng, [f"Make sure the words {words[0]} and {words[1]} both appear.",
                                                                  f"Mention {words[0]} and {words[1]} somewhere in the text."])

def forbidden(rng, task):
    words = rng.sample(WORDS, 2)
    return "keywords:forbidden_words", {"forbidden_words": words}, pick(rng, [f"Never use the words {words[0]} or {words[1]}.",
                                                                               f"Keep the words {words[0]} and {words[1]} out of the answer."])

def frequency(rng, task):
    word, relation, n = pick(rng, WORDS), pick(rng, RELATIONS), rng.randint(2, 4)
    return "keywords:frequency", {"keyword": word, "relation": relation, "frequency": n}, pick(rng, [
        f"The word {word} has to occur {relation} {n} times.", f"Use the word {word} {relation} {n} times in total."])

def letter(rng, task):
    ch, relation, n = pick(rng, "abcdefghlmnoprstuw"), pick(rng, RELATIONS), rng.randint(3, 12)
    return "keywords:letter_frequency", {"letter": ch, "let_relation": relation, "let_frequency": n}, pick(rng, [
        f"Count your letters: the letter {ch} should show up {relation} {n} times.", f"Let the letter '{ch}' appear {relation} {n} times."])

def words_count(rng, task):
    relation, n = pick(rng, RELATIONS), pick(rng, [20, 40, 60, 80, 120])
    return "length_constraints:number_words", {"relation": relation, "num_words": n}, pick(rng, [
        f"Keep the length to {relation} {n} words.", f"The reply should be {relation} {n} words long."])

def sentences(rng, task):
    relation, n = pick(rng, RELATIONS), rng.randint(2, 6)
    return "length_constraints:number_sentences", {"relation": relation, "num_sentences": n}, pick(rng, [
        f"Write {relation} {n} sentences.", f"Your answer needs {relation} {n} sentences."])

def paragraphs(rng, task):
    n = rng.randint(2, 4)
    return "length_constraints:number_paragraphs", {"num_paragraphs": n}, pick(rng, [
        f"Split the answer into {n} paragraphs, putting a line with *** between paragraphs.",
        f"Use exactly {n} paragraphs, separated from each other by the markdown divider ***."])

def nth_paragraph(rng, task):
    n = rng.randint(2, 4)
    k = rng.randint(1, n)
    word = pick(rng, ["today", "first", "imagine", "sometimes", "remember", "finally"])
    return "length_constraints:nth_paragraph_first_word", {"num_paragraphs": n, "nth_paragraph": k, "first_word": word}, (
        f"Write {n} paragraphs separated by one blank line each, and begin paragraph number {k} with the word {word}.")

def postscript(rng, task):
    marker = pick(rng, ["P.S.", "P.P.S"])
    return "detectable_content:postscript", {"postscript_marker": marker}, pick(rng, [
        f"Finish with a short afterthought that starts with {marker}", f"Add a final note beginning with {marker}"])

def placeholders(rng, task):
    n = rng.randint(1, 4)
    return "detectable_content:number_placeholders", {"num_placeholders": n}, pick(rng, [
        f"Leave {n} or more blanks for the reader in square brackets, such as [name].",
        f"Include at least {n} placeholders written like [place]."])

def bullets(rng, task):
    n = rng.randint(2, 5)
    return "detectable_format:number_bullet_lists", {"num_bullets": n}, pick(rng, [
        f"Format it as a list of exactly {n} points, each starting with '* '.", f"Give {n} bullet points using the * symbol, no more, no less."])

def highlights(rng, task):
    n = rng.randint(1, 3)
    return "detectable_format:number_highlighted_sections", {"num_highlights": n}, pick(rng, [
        f"Emphasise {n} or more parts with single asterisks, like *this part*.", f"Mark at least {n} phrases as *highlighted*."])

def sections(rng, task):
    splitter, n = pick(rng, ["Section", "SECTION", "Part", "PART"]), rng.randint(2, 4)
    return "detectable_format:multiple_sections", {"section_spliter": splitter, "num_sections": n}, pick(rng, [
        f"Organise the reply in {n} sections, each opened by '{splitter} X' where X is its number.",
        f"Use {n} numbered sections headed {splitter} 1, {splitter} 2 and so on."])

def json_format(rng, task):
    return "detectable_format:json_format", {}, pick(rng, ["Return the whole answer as valid JSON (markdown code fences are fine).",
                                                           "Your output must be one JSON object and nothing else."])

def two_responses(rng, task):
    return "combination:two_responses", {}, pick(rng, ["Offer two distinct versions, separated by a line of six asterisks (******).",
                                                       "Write two different answers and put ****** between them."])

def repeat_prompt(rng, task):
    return "combination:repeat_prompt", {"prompt_to_repeat": task}, pick(rng, [
        "Before answering, copy the task sentence above exactly as written (only that sentence, not these instructions), then respond.",
        "Start by restating the first sentence of this message word for word (nothing else before it), then give your answer."])

def language(rng, task):
    code = pick(rng, list(LANGUAGES))
    return "language:response_language", {"language": code}, pick(rng, [
        f"Reply only in {LANGUAGES[code]}; do not use any other language.", f"Answer entirely in {LANGUAGES[code]}."])

def constrained(rng, task):
    return "detectable_format:constrained_response", {}, (
        "Reply with exactly one of these sentences: My answer is yes., My answer is no., My answer is maybe.")

MAKERS = [no_comma, lowercase, capital, capital_words, end_phrase, quotation, title, existence, forbidden, frequency, letter,
          words_count, sentences, paragraphs, nth_paragraph, postscript, placeholders, bullets, highlights, sections, json_format,
          two_responses, repeat_prompt, language, constrained]

# Pairs that cannot both hold (or make each other trivial), by maker name.
CONFLICTS = {
    "lowercase": {"capital", "capital_words"}, "capital": {"lowercase", "capital_words", "letter"},
    "json_format": {"title", "sections", "bullets", "paragraphs", "nth_paragraph", "two_responses", "quotation", "postscript",
                    "end_phrase", "repeat_prompt", "constrained", "language", "highlights"},
    "two_responses": {"repeat_prompt", "end_phrase", "quotation", "paragraphs", "nth_paragraph", "sections", "constrained"},
    "paragraphs": {"nth_paragraph", "sections", "bullets"}, "nth_paragraph": {"sections", "bullets"},
    "constrained": {"*"}, "language": {"lowercase", "capital", "capital_words", "existence", "forbidden", "frequency", "letter",
                                       "repeat_prompt", "no_comma"},
    "repeat_prompt": {"quotation", "title", "lowercase", "capital", "language"},
    "quotation": {"title", "end_phrase"}, "words_count": set(),
}


def conflicts(a, b):
    ca, cb = CONFLICTS.get(a, set()), CONFLICTS.get(b, set())
    return a == b or b in ca or a in cb or "*" in ca or "*" in cb


def make_prompt(rng, topics, tasks, counts):
    topic = rng.choice(topics)
    chosen = []
    wanted = rng.choice([1, 2, 2, 3])
    # the least used types first, so that all 25 appear evenly
    order = sorted(MAKERS, key=lambda m: (counts[m.__name__], rng.random()))
    for maker in order:
        if len(chosen) == wanted:
            break
        if any(conflicts(maker.__name__, other.__name__) for other in chosen):
            continue
        chosen.append(maker)
    if any(m is constrained for m in chosen):
        task = rng.choice(QUESTIONS).format(t=topic)
        task = task[0].upper() + task[1:]
    else:
        task = rng.choice(tasks).format(t=topic)
    ids, kwargs, texts = [], [], []
    for maker in chosen:
        counts[maker.__name__] += 1
        instruction_id, arguments, text = maker(rng, task)
        ids.append(instruction_id)
        kwargs.append(arguments)
        texts.append(text)
    content = task + " " + " ".join(texts)
    return {"messages": [{"role": "user", "content": content}],
            "ground_truth": {"instruction_id_list": ids, "kwargs": kwargs}, "dataset": "ifeval"}


def write(path, rows):
    with open(path, "w") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


rng = random.Random(args.seed)
counts = {m.__name__: 0 for m in MAKERS}
seen = set()
train = []
while len(train) < args.train:
    row = make_prompt(rng, TRAIN_TOPICS, TRAIN_TASKS, counts)
    key = row["messages"][0]["content"]
    if key not in seen:
        seen.add(key)
        train.append(row)
held_counts = {m.__name__: 0 for m in MAKERS}
held = []
while len(held) < args.held_out:
    row = make_prompt(rng, HELD_OUT_TOPICS, HELD_OUT_TASKS, held_counts)
    key = row["messages"][0]["content"]
    if key not in seen:
        seen.add(key)
        held.append(row)
write("data/ifeval-like-rl-prompts.jsonl", train)
write("data/ifeval-like-held-out.jsonl", held)
print(f"{len(train)} training and {len(held)} held-out prompts; instruction types used: "
      + ", ".join(f"{name} {counts[name]}" for name in counts))
