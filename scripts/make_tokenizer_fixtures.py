#!/usr/bin/env python3
"""Golden reference fixtures for the byte-level BPE tokenizer and the chat templates.

Produces, in Tests/TokenizationTests/Fixtures/ (or the directory given as --out):

* smollm2/tokenizer.json         SmolLM2-135M-Instruct's Hugging Face tokenizer as
                                 transformers builds it from the GGUF file
                                 (AutoTokenizer.from_pretrained(folder, gguf_file=...),
                                 save_pretrained into a temporary directory), with the
                                 pre-tokenizer, post-processor and BPE model flags put back
                                 to SmolLM2's original tokenizer.json (see FIXES below and
                                 the README). Written with one vocabulary entry and one
                                 merge per line.
* smollm2/tokenizer_config.json  transformers' tokenizer_config.json for it, plus the
                                 "chat_template" string (transformers >= 5 writes it to a
                                 separate chat_template.jinja, which is not kept) and
                                 model_max_length 8192 instead of transformers' 1e30.
* golden_ids.json                {"cases": [{name, text, ids, decoded}],
                                  "byte_cases": [{name, bytes_hex, replaced_text, ids, decoded}]}
                                 ids = tokenizers.Tokenizer.from_file(tokenizer.json)
                                 .encode(text, add_special_tokens=False).ids;
                                 decoded = decode(ids, skip_special_tokens=False).
                                 byte_cases are invalid UTF-8: the expected behaviour is
                                 "replace invalid bytes by U+FFFD exactly as Python's
                                 bytes.decode('utf-8', errors='replace') does, then tokenize".
* chat_golden.json               SmolLM2's chat template rendered by transformers'
                                 apply_chat_template(messages, tokenize=False,
                                 add_generation_prompt=...), with the ids of the text.
* tulu_golden.json               the same conversations rendered with open-instruct's
                                 "tulu" chat template (Jinja string stored in the file) by
                                 jinja2, eos_token "</s>", with SmolLM2 ids of the text.

The script checks, and stops with an error otherwise, that: transformers loading the
written fixture folder gives the same ids as the tokenizers library; decoding gives back
the text wherever every byte is in the vocabulary; the chat template from the GGUF equals
the one transformers saved; jinja2 and transformers' renderer agree on the tulu texts.

Deterministic: running it again gives identical bytes (same library versions).

Run from the repository root (the GGUF file comes from scripts/fetch_model.sh):

    python3 scripts/make_tokenizer_fixtures.py \
        --gguf models/SmolLM2-135M-Instruct.Q4_1.gguf \
        --out Tests/TokenizationTests/Fixtures

Requires: transformers (tested with 5.24.0; it brings tokenizers 0.23.3 and jinja2
3.1.6), gguf (0.19.0), accelerate. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import jinja2
import tokenizers
import transformers
from jinja2.sandbox import ImmutableSandboxedEnvironment
from tokenizers import Tokenizer
from gguf import GGUFReader
from transformers import AutoTokenizer

# ---------------------------------------------------------------------------------------
# SmolLM2's original tokenizer.json settings (HuggingFaceTB/SmolLM2-135M-Instruct).

ORIGINAL_PRE_TOKENIZER = {
    "type": "Sequence",
    "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    ],
}
ORIGINAL_POST_PROCESSOR = {
    "type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True,
}
ORIGINAL_DECODER = {
    "type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True,
}
# BPE model flags of the original (vocab and merges are taken from the GGUF as they are).
ORIGINAL_MODEL_FLAGS = {
    "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
    "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
}

# ---------------------------------------------------------------------------------------
# open-instruct's "tulu" chat template, verbatim from CHAT_TEMPLATES["tulu"] in
# open_instruct/dataset_transformation.py (allenai/open-instruct, commit 00440da).

TULU_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}"
    "{{ '<|system|>\n' + message['content'] + '\n' }}"
    "{% elif message['role'] == 'user' %}"
    "{{ '<|user|>\n' + message['content'] + '\n' }}"
    "{% elif message['role'] == 'assistant' %}"
    "{% if not loop.last %}"
    "{{ '<|assistant|>\n'  + message['content'] + eos_token + '\n' }}"
    "{% else %}"
    "{{ '<|assistant|>\n'  + message['content'] + eos_token }}"
    "{% endif %}"
    "{% endif %}"
    "{% if loop.last and add_generation_prompt %}"
    "{{ '<|assistant|>\n' }}"
    "{% endif %}"
    "{% endfor %}"
)
TULU_EOS = "</s>"
TULU_SOURCE = ("allenai/open-instruct open_instruct/dataset_transformation.py "
               "CHAT_TEMPLATES[\"tulu\"] (commit 00440da3346a5d64c33ce9fd2af00c9ebed358eb)")

# ---------------------------------------------------------------------------------------
# Corpus.


def long_paragraph() -> str:
    sentences = [
        "Reinforcement learning with verifiable rewards trains a language model on problems whose answers can be checked by a program.",
        "A grade-school arithmetic problem, for example, ends with a single number, and the verifier compares it with the reference answer after stripping commas, dollar signs and trailing periods.",
        "The policy samples several completions for each prompt; each completion earns a reward of one if the extracted answer is correct and zero otherwise.",
        "Group-relative advantages subtract the mean reward of the group and divide by its standard deviation, so that a prompt the model always solves contributes nothing to the gradient.",
        "The tokenizer matters more than it seems: numbers are split into single digits, spaces before digits become tokens of their own, and a chat template decides where the model is allowed to speak.",
        "If the tokenizer used during training differs from the one used at inference, even by a single merge rule, the model sees sequences it was never trained on and its accuracy quietly degrades.",
        "That is why these fixtures were produced by the reference implementation and are compared token by token, including the awkward cases: emoji joined by zero-width joiners, flags made of regional indicators, Chinese, Japanese and Korean text, right-to-left scripts, control characters, and runs of whitespace.",
        "Long documents are not special to a byte-level tokenizer, but they exercise the caches and buffers of an implementation far more than a short greeting does.",
        "The merge table of SmolLM2 has 48,900 entries and the vocabulary 49,152 tokens, of which the first seventeen are special tokens such as the end-of-text marker and the chat delimiters.",
        "Every byte sequence must be representable, yet twenty-one byte values never occur in the vocabulary; they are dropped without a trace, which is worth knowing before trusting a round trip.",
    ]
    text = " ".join(sentences)
    while len(text) < 2000:
        text += " " + text
    return text[:2000]


CASES: list[tuple[str, str]] = [
    # English prose
    ("prose_hello", "Hello, world!"),
    ("prose_sentence", "The quick brown fox jumps over the lazy dog."),
    ("prose_question", "What is the capital of France? Paris, of course."),
    ("prose_quotes", "She said, \u201cIt\u2019s fine\u201d \u2014 and left\u2026"),
    ("prose_multiline", "First line.\nSecond line.\n\nNew paragraph after a blank line."),
    # numbers and arithmetic
    ("num_addition", "12345 + 678 = 13023"),
    ("num_pi", "3.14159"),
    ("num_thousands", "1,000,000"),
    ("num_negative", "-42"),
    ("num_space_before_digits", "Hello world! 123"),
    ("num_long_digits", "31415926535897932384626433832795"),
    ("num_money_percent", "$1,234.56 is 12.5% of $9,876.48"),
    ("num_mixed_alnum", "abc123def456 x2 3x 0x1F 1e-5 v2.0.1"),
    ("num_unicode_digits", "\u0661\u0662\u0663 \uff11\uff12\uff13 x\u00b2 \u00bd \u2163 \u4e09"),
    ("num_equation", "48/2 = 24\n24*3 = 72"),
    # GSM8K-style answers
    ("gsm8k_answer", "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72"),
    ("gsm8k_hashes", "#### 72"),
    ("gsm8k_hashes_negative_decimal", "#### -3.5"),
    # code
    ("code_python", "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n    return a + b\n\n\nif __name__ == \"__main__\":\n    print(add(1, 2))\n"),
    ("code_tabs_braces", "int main(void) {\n\tfor (int i = 0; i < 10; ++i) {\n\t\tprintf(\"%d\\n\", i);\n\t}\n\treturn 0;\n}"),
    ("code_json", "{\"key\": [1, 2, 3], \"nested\": {\"a\": null, \"b\": true}}"),
    ("code_swift", "let xs = [1, 2, 3].map { $0 * 2 } // [2, 4, 6]"),
    # LaTeX
    ("latex_frac", "\\frac{1}{2}"),
    ("latex_inline", "$x^2 + y^2 = z^2$"),
    ("latex_boxed", "\\boxed{\\sqrt{3}}"),
    ("latex_display", "\\[ \\int_0^1 x^2 \\, dx = \\frac{1}{3} \\]"),
    # whitespace
    ("ws_multiple_spaces", "a  b   c    d"),
    ("ws_leading_trailing", "   leading and trailing   "),
    ("ws_newlines_3", "\n\n\n"),
    ("ws_tabs_2", "\t\t"),
    ("ws_space_newline_space", " \n "),
    ("ws_crlf", "line one\r\nline two\r\n"),
    ("ws_space_run_40", " " * 40),
    ("ws_nbsp_thin", "non\u00a0breaking\u2009thin\u3000ideographic"),
    ("ws_space_before_newline", "end of line   \nnext"),
    # emoji
    ("emoji_simple", "I love pizza \U0001f355!"),
    ("emoji_zwj_family", "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"),
    ("emoji_skin_tone", "\U0001f44d\U0001f3fd thumbs up"),
    ("emoji_flags", "\U0001f1fa\U0001f1f8\U0001f1ef\U0001f1f5\U0001f1eb\U0001f1f7"),
    ("emoji_heart_vs16", "\u2764\ufe0f\U0001f525\U0001f680"),
    # CJK, RTL, accents
    ("cjk_chinese", "\u4f60\u597d\uff0c\u4e16\u754c\uff01\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002"),
    ("cjk_japanese", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3068\u30ab\u30bf\u30ab\u30ca\u3002"),
    ("cjk_korean", "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8\uc785\ub2c8\ub2e4."),
    ("rtl_arabic", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645"),
    ("rtl_hebrew", "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd"),
    ("latin_accented", "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 fa\u00e7ade \u00c5ngstr\u00f6m \u0141\u00f3d\u017a \u0160koda"),
    ("latin_combining", "e\u0301 versus \u00e9"),
    ("mixed_scripts", "English, \u0420\u0443\u0441\u0441\u043a\u0438\u0439, \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac, \u4e2d\u6587, \u0627\u0644\u0639\u0631\u0628\u064a\u0629 and \U0001d54f math"),
    # contractions
    ("contractions_lower", "don't I'll it's we've you'd they're I'm"),
    ("contractions_upper", "THEY'RE DON'T I'LL"),
    ("contractions_curly", "don\u2019t it\u2019s"),
    # special tokens inside text
    ("special_im_end_inline", "Hello<|im_end|>world"),
    ("special_chatml_turn", "<|im_start|>user\nHi<|im_end|>\n"),
    ("special_spaced", " <|im_end|> <|endoftext|> "),
    ("special_other", "<repo_name>rlvr<file_sep>main.swift<empty_output>"),
    ("special_near_miss", "<|im_end| <|IM_END|> <|im_end|>> <im_end>"),
    # edge cases
    ("empty", ""),
    ("single_space", " "),
    ("control_chars", "a\x00b\x01c\x04d\x06e\x07f\x1bg\x7fh"),
    ("replacement_char", "bad \ufffd byte"),
    ("zero_width", "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom"),
    ("long_word", "pneumonoultramicroscopicsilicovolcanoconiosis supercalifragilisticexpialidocious"),
    ("long_repeat", "a" * 300),
    ("url", "https://example.com/path/to/page?query=value&x=1#section"),
    ("email_path", "user@example.org ~/src/rlvr/Package.swift C:\\Users\\me"),
    ("punctuation_runs", "Wait... what?!?! (yes) [no] {maybe} --- *** ___ ==="),
    ("paragraph_2000", long_paragraph()),
]

# Invalid UTF-8 byte strings (and two valid ones for contrast).
BYTE_CASES: list[tuple[str, bytes]] = [
    ("lone_lead_c3", b"\xc3"),
    ("lone_lead_c3_in_text", b"abc\xc3def"),
    ("ff_fe", b"\xff\xfe"),
    ("bom_utf16le_then_ascii", b"\xff\xfeh\x00i\x00"),
    ("truncated_emoji_3_of_4", b"\xf0\x9f\x98"),
    ("truncated_emoji_then_text", b"hi \xf0\x9f\x98 there"),
    ("truncated_euro_2_of_3", b"\xe2\x82 euro"),
    ("lone_continuation", b"\x80"),
    ("continuations_run", b"x\x80\x81\xbfy"),
    ("overlong_slash", b"\xc0\xaf"),
    ("encoded_surrogate", b"\xed\xa0\x80"),
    ("above_max_code_point", b"\xf4\x90\x80\x80"),
    ("five_byte_form", b"\xf8\x88\x80\x80\x80"),
    ("latin1_cafe", b"caf\xe9 cr\xe8me"),
    ("invalid_between_digits", b"12\xff34"),
    ("valid_utf8_contrast", "h\u00e9llo \U0001f600".encode("utf-8")),
    ("valid_empty", b""),
]


def conversations() -> list[tuple[str, list[dict[str, str]]]]:
    return [
        ("single_user", [{"role": "user", "content": "What is 2 + 2?"}]),
        ("system_user", [
            {"role": "system", "content": "You are a careful math tutor."},
            {"role": "user", "content": "What is 2 + 2?"},
        ]),
        ("multi_turn", [
            {"role": "user", "content": "Hi!"},
            {"role": "assistant", "content": "Hello! How can I help you today?"},
            {"role": "user", "content": "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?"},
        ]),
        ("system_multi_turn_ends_assistant", [
            {"role": "system", "content": "Answer with a number after ####."},
            {"role": "user", "content": "What is 6 * 12?"},
            {"role": "assistant", "content": "6 * 12 = 72\n#### 72"},
        ]),
        ("assistant_trailing_newline", [
            {"role": "user", "content": "Say hi."},
            {"role": "assistant", "content": "Hi.\n"},
        ]),
        ("empty_user_content", [{"role": "user", "content": ""}]),
        ("empty_system_and_assistant", [
            {"role": "system", "content": ""},
            {"role": "user", "content": "Anything?"},
            {"role": "assistant", "content": ""},
        ]),
        ("content_with_im_end", [
            {"role": "user", "content": "Print the literal text <|im_end|> please."},
            {"role": "assistant", "content": "Here it is: <|im_end|>"},
        ]),
        ("system_only", [{"role": "system", "content": "You are SmolLM."}]),
        ("unicode_and_whitespace", [
            {"role": "user", "content": "  \u4f60\u597d \U0001f44b\n\n\tcaf\u00e9  "},
        ]),
    ]


# ---------------------------------------------------------------------------------------
# JSON writing: readable, diff-friendly, lists of scalars on one line.


def to_json(value, indent: int = 0) -> str:
    pad = "  " * (indent + 1)
    end = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {to_json(v, indent + 1)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        return "[\n" + ",\n".join(pad + to_json(v, indent + 1) for v in value) + "\n" + end + "]"
    return json.dumps(value, ensure_ascii=False)


def write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(value) + "\n", encoding="utf-8")


def write_tokenizer_json(path: Path, tok: dict) -> None:
    """tokenizer.json with one vocabulary entry and one merge per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    model = tok["model"]
    parts = ["{"]
    top = []
    for key, value in tok.items():
        if key != "model":
            top.append(f"  {json.dumps(key)}: {to_json(value, 1)}")
            continue
        fields = []
        for mkey, mvalue in model.items():
            if mkey == "vocab":
                entries = ",\n".join(f"      {json.dumps(t, ensure_ascii=False)}: {i}"
                                     for t, i in mvalue.items())
                fields.append(f"    \"vocab\": {{\n{entries}\n    }}")
            elif mkey == "merges":
                entries = ",\n".join("      " + json.dumps(m, ensure_ascii=False) for m in mvalue)
                fields.append(f"    \"merges\": [\n{entries}\n    ]")
            else:
                fields.append(f"    {json.dumps(mkey)}: {to_json(mvalue, 2)}")
        top.append("  \"model\": {\n" + ",\n".join(fields) + "\n  }")
    parts.append(",\n".join(top))
    parts.append("}")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------


def gguf_chat_template(gguf_path: Path) -> str:
    return GGUFReader(str(gguf_path)).fields["tokenizer.chat_template"].contents()


def build_tokenizer_files(gguf_path: Path, out_dir: Path) -> list[str]:
    """Convert, fix, write smollm2/tokenizer.json + tokenizer_config.json; return the changes."""
    changes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        hf = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
        hf.save_pretrained(tmp)
        tok = json.loads((Path(tmp) / "tokenizer.json").read_text(encoding="utf-8"))
        config = json.loads((Path(tmp) / "tokenizer_config.json").read_text(encoding="utf-8"))
        template_file = Path(tmp) / "chat_template.jinja"
        saved_template = template_file.read_text(encoding="utf-8") if template_file.exists() else None

    print("as converted by transformers:")
    for key in ("normalizer", "pre_tokenizer", "post_processor", "decoder"):
        print(f"  {key}: {json.dumps(tok[key])}")
    print("  model flags:", json.dumps({k: v for k, v in tok["model"].items() if k not in ("vocab", "merges")}))

    if tok["normalizer"] is not None:
        raise SystemExit(f"unexpected normalizer {tok['normalizer']}")
    for key, want in (("pre_tokenizer", ORIGINAL_PRE_TOKENIZER),
                      ("post_processor", ORIGINAL_POST_PROCESSOR),
                      ("decoder", ORIGINAL_DECODER)):
        if tok[key] != want:
            changes.append(f"{key}: {json.dumps(tok[key])} -> {json.dumps(want)}")
            tok[key] = want
    for key, want in ORIGINAL_MODEL_FLAGS.items():
        if tok["model"].get(key, "<absent>") != want:
            changes.append(f"model.{key}: {json.dumps(tok['model'].get(key))} -> {json.dumps(want)}")
            tok["model"][key] = want

    model = tok["model"]
    if len(model["vocab"]) != 49152 or len(model["merges"]) != 48900:
        raise SystemExit(f"unexpected sizes {len(model['vocab'])} / {len(model['merges'])}")
    if sorted(model["vocab"].values()) != list(range(49152)):
        raise SystemExit("vocabulary ids are not 0..<49152")
    special = [(t["id"], t["content"]) for t in tok["added_tokens"]]
    if [i for i, _ in special] != list(range(17)) or not all(t["special"] for t in tok["added_tokens"]):
        raise SystemExit(f"unexpected added tokens {special}")

    template = gguf_chat_template(gguf_path)
    if saved_template is not None and saved_template != template:
        raise SystemExit("chat_template.jinja differs from the GGUF's tokenizer.chat_template")
    if config.get("chat_template", template) != template:
        raise SystemExit("tokenizer_config.json chat_template differs from the GGUF's")
    if "chat_template" not in config:
        changes.append("tokenizer_config.json: added \"chat_template\" (from chat_template.jinja "
                       "= the GGUF's tokenizer.chat_template)")
    config["chat_template"] = template
    # transformers writes its "no limit" placeholder 1e30 (VERY_LARGE_INTEGER), which does not
    # fit a 64-bit integer; SmolLM2's original tokenizer_config.json and the GGUF's
    # llama.context_length both say 8192.
    context_length = int(GGUFReader(str(gguf_path)).fields["llama.context_length"].contents())
    if config.get("model_max_length") != context_length:
        changes.append(f"tokenizer_config.json: model_max_length {config.get('model_max_length')} -> "
                       f"{context_length} (the GGUF's llama.context_length)")
        config["model_max_length"] = context_length
    for key, want in (("bos_token", "<|im_start|>"), ("eos_token", "<|im_end|>"),
                      ("pad_token", "<|im_end|>"), ("unk_token", "<|endoftext|>")):
        if config.get(key) != want:
            raise SystemExit(f"tokenizer_config.json {key} = {config.get(key)!r}, expected {want!r}")

    # Everything in the fixed JSON must survive the tokenizers library's own parser.
    canonical = Tokenizer.from_str(json.dumps(tok)).to_str()
    tok_path = out_dir / "smollm2" / "tokenizer.json"
    write_tokenizer_json(tok_path, tok)
    if Tokenizer.from_file(str(tok_path)).to_str() != canonical:
        raise SystemExit("written tokenizer.json does not parse back to the same tokenizer")
    config_path = out_dir / "smollm2" / "tokenizer_config.json"
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                           encoding="utf-8")
    for change in changes:
        print("  FIXED", change)
    return changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gguf", type=Path, default=Path("models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    parser.add_argument("--out", type=Path, default=Path("Tests/TokenizationTests/Fixtures"))
    args = parser.parse_args()
    if not args.gguf.is_file():
        raise SystemExit(f"{args.gguf}: no such file (run scripts/fetch_model.sh)")

    versions = {
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "jinja2": jinja2.__version__,
    }
    generator = "scripts/make_tokenizer_fixtures.py"

    build_tokenizer_files(args.gguf, args.out)
    smol_dir = args.out / "smollm2"
    tk = Tokenizer.from_file(str(smol_dir / "tokenizer.json"))
    hf = AutoTokenizer.from_pretrained(str(smol_dir))   # transformers reading the fixture

    def encode(text: str) -> list[int]:
        ids = tk.encode(text, add_special_tokens=False).ids
        via_hf = hf.encode(text, add_special_tokens=False)
        if via_hf != ids:
            raise SystemExit(f"transformers and tokenizers disagree on {text!r}")
        if hf.encode(text, add_special_tokens=True) != ids:
            raise SystemExit(f"add_special_tokens=True adds tokens for {text!r}")
        return ids

    vocab = tk.get_vocab()
    byte_chars = bytes_to_unicode()
    missing = {b for b in range(256) if byte_chars[b] not in vocab}

    def decode(ids: list[int], text: str) -> str:
        decoded = tk.decode(ids, skip_special_tokens=False)
        if not (set(text.encode("utf-8")) & missing) and decoded != text:
            raise SystemExit(f"decode does not round-trip {text!r}: {decoded!r}")
        return decoded

    names = [n for n, _ in CASES] + [n for n, _ in BYTE_CASES]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate case names")
    cases = []
    for name, text in CASES:
        ids = encode(text)
        cases.append({"name": name, "text": text, "ids": ids, "decoded": decode(ids, text)})
    byte_cases = []
    for name, raw in BYTE_CASES:
        text = raw.decode("utf-8", errors="replace")
        ids = encode(text)
        byte_cases.append({"name": name, "bytes_hex": raw.hex(), "replaced_text": text,
                           "ids": ids, "decoded": decode(ids, text)})
    write_json(args.out / "golden_ids.json", {
        "generator": generator,
        "versions": versions,
        "tokenizer": "smollm2/tokenizer.json",
        "encode": "Tokenizer.from_file(tokenizer).encode(text, add_special_tokens=False).ids",
        "decode": "Tokenizer.decode(ids, skip_special_tokens=False)",
        "byte_cases_rule": "invalid UTF-8 is first replaced by U+FFFD as Python's "
                           "bytes.decode('utf-8', errors='replace') does, then tokenized",
        "bytes_missing_from_vocab": sorted(missing),
        "cases": cases,
        "byte_cases": byte_cases,
    })

    # Chat template (SmolLM2), rendered by transformers from the fixture folder and,
    # as a cross-check, from the tokenizer built straight from the GGUF.
    from_gguf = AutoTokenizer.from_pretrained(str(args.gguf.parent), gguf_file=args.gguf.name)
    chat_cases = []
    tulu_cases = []
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    tulu = env.from_string(TULU_TEMPLATE)
    for name, messages in conversations():
        for gen in (False, True):
            case_name = f"{name}_{'gen' if gen else 'nogen'}"
            text = hf.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen)
            if from_gguf.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen) != text:
                raise SystemExit(f"fixture and GGUF tokenizers render {case_name} differently")
            ids = encode(text)
            chat_cases.append({"name": case_name, "messages": messages,
                               "add_generation_prompt": gen, "text": text, "ids": ids})
            tulu_text = tulu.render(messages=messages, add_generation_prompt=gen, eos_token=TULU_EOS)
            via_hf = hf.apply_chat_template(messages, chat_template=TULU_TEMPLATE, tokenize=False,
                                            add_generation_prompt=gen, eos_token=TULU_EOS)
            if via_hf != tulu_text:
                raise SystemExit(f"jinja2 and transformers render tulu {case_name} differently")
            tulu_cases.append({"name": case_name, "messages": messages, "add_generation_prompt": gen,
                               "text": tulu_text, "ids": encode(tulu_text)})
    write_json(args.out / "chat_golden.json", {
        "generator": generator,
        "versions": versions,
        "render": "transformers apply_chat_template(messages, tokenize=False, add_generation_prompt=...)",
        "encode": "Tokenizer.from_file(smollm2/tokenizer.json).encode(text, add_special_tokens=False).ids",
        "chat_template": hf.chat_template,
        "cases": chat_cases,
    })
    write_json(args.out / "tulu_golden.json", {
        "generator": generator,
        "versions": versions,
        "template_source": TULU_SOURCE,
        "render": "jinja2 ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)"
                  ".from_string(template).render(messages=..., add_generation_prompt=..., "
                  "eos_token=\"</s>\") (identical to transformers apply_chat_template with "
                  "chat_template=template, eos_token=\"</s>\")",
        "eos_token": TULU_EOS,
        "template": TULU_TEMPLATE,
        "encode": "ids: SmolLM2 tokenizer, encode(text, add_special_tokens=False); "
                  "<|user|>, <|assistant|>, <|system|> and </s> are NOT special tokens in SmolLM2",
        "cases": tulu_cases,
    })
    print(f"wrote {len(cases)} text cases, {len(byte_cases)} byte cases, "
          f"{len(chat_cases)} chat cases, {len(tulu_cases)} tulu cases to {args.out}")


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1))
          + list(range(ord("\u00ae"), ord("\u00ff") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


if __name__ == "__main__":
    sys.exit(main())
