#!/usr/bin/env python3
"""langdetect 1.0.9's language profiles and normalisation tables as one JSON resource for Swift.

Produces, in Sources/Verifiers/Resources/ (or the directory given as --out):

* langdetect_profiles.json   everything Sources/Verifiers/IFEval/LanguageDetector.swift needs to
      reproduce langdetect.detect(): the 55 n-gram profiles (all of them, exact counts, nothing
      pruned) and the character tables of langdetect.utils.ngram.NGram.
* LANGDETECT-NOTICE.txt      the licence notices of the langdetect wheel (Apache-2.0: the Python
      port by Michal Danilak, the original language-detection by Cybozu Labs).

Format of langdetect_profiles.json (one object, compact, UTF-8, non-ASCII characters unescaped):

    "format":     "langdetect-profiles/1"
    "source":     {"package": "langdetect", "version": "1.0.9", "license": "Apache-2.0"}
    "languages":  the 55 profile names, sorted ("af" ... "zh-tw"); langdetect's own order is
                  os.listdir order, which only decides float summation order and exact ties
    "n_words":    per language, [n1, n2, n3] = the profile's n_words (total 1-, 2-, 3-grams)
    "ngrams":     per language, three strings: all 1-grams, all 2-grams, all 3-grams of the
                  profile, concatenated; an n-gram is exactly n code points (split the string
                  into runs of n Unicode scalars; never compare as grapheme clusters)
    "freq":       per language, three integer lists parallel to "ngrams": the n-grams are
                  sorted by count descending (then by code points), and the list holds the
                  first count followed by the differences to the previous count (all >= 0);
                  count[i] = count[i-1] - freq[i]
    "latin1_excluded":  NGram.LATIN1_EXCLUDED (Latin-1 characters mapped to a space)
    "cjk_classes":      NGram.CJK_CLASS: 126 strings; every character of a string maps to the
                        string's first character (applied in the CJK Unified Ideographs block)
    "vi_letters", "vi_marks", "vi_composed":  NGram.TO_NORMALIZE_VI_CHARS, DMARK_CLASS and
                        NORMALIZED_VI_CHARS (5 strings, one per mark): letter + combining mark
                        -> vi_composed[mark][letter]

langdetect computes the probability of n-gram g in language L as count / n_words[len(g) - 1];
the Swift side does the same division in Double, so probabilities are bit-identical.

The script stops with an error unless the JSON, read back, reproduces every profile exactly
(same n-grams, counts and n_words) and every NGram table.

Deterministic: running it again gives identical bytes. Nothing is downloaded. Run from the
repository root:

    pip install langdetect==1.0.9
    python3 scripts/make_langdetect_profiles.py
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
from pathlib import Path

EXPECTED_VERSION = "1.0.9"


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def load_profiles(directory: Path) -> dict[str, dict]:
    profiles = {}
    for name in sorted(os.listdir(directory)):
        if name.startswith("."):
            continue
        with open(directory / name, encoding="utf-8") as f:
            data = json.load(f)
        if data["name"] != name:
            fail(f"profile file {name} names itself {data['name']!r}")
        profiles[name] = data
    return profiles


def encode_profile(data: dict) -> tuple[list[int], list[str], list[list[int]]]:
    n_words = [int(x) for x in data["n_words"]]
    if len(n_words) != 3:
        fail(f"{data['name']}: n_words has {len(n_words)} entries")
    strings, deltas = [], []
    for n in (1, 2, 3):
        items = sorted(
            ((g, int(c)) for g, c in data["freq"].items() if len(g) == n),
            key=lambda item: (-item[1], [ord(ch) for ch in item[0]]),
        )
        for g, c in items:
            if c <= 0:
                fail(f"{data['name']}: non-positive count for {g!r}")
            if any(0xD800 <= ord(ch) <= 0xDFFF for ch in g):
                fail(f"{data['name']}: surrogate code point in {g!r}")
        strings.append("".join(g for g, _ in items))
        counts = [c for _, c in items]
        deltas.append(counts[:1] + [counts[i - 1] - counts[i] for i in range(1, len(counts))])
    return n_words, strings, deltas


def decode_profile(n_words: list[int], strings: list[str], deltas: list[list[int]]) -> dict[str, int]:
    freq: dict[str, int] = {}
    for n, (s, d) in enumerate(zip(strings, deltas), start=1):
        if len(s) != n * len(d):
            fail(f"{n}-gram string holds {len(s)} code points for {len(d)} counts")
        count = 0
        for i, delta in enumerate(d):
            count = delta if i == 0 else count - delta
            freq[s[i * n:(i + 1) * n]] = count
    return freq


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="Sources/Verifiers/Resources", help="output directory")
    args = parser.parse_args()

    version = importlib.metadata.version("langdetect")
    if version != EXPECTED_VERSION:
        fail(f"langdetect {version} installed, need {EXPECTED_VERSION} (pip install langdetect=={EXPECTED_VERSION})")
    import langdetect
    from langdetect.utils.ngram import NGram

    package_dir = Path(langdetect.__file__).parent
    profiles = load_profiles(package_dir / "profiles")
    if len(profiles) != 55:
        fail(f"expected 55 profiles, found {len(profiles)}")

    languages = sorted(profiles)
    encoded = [encode_profile(profiles[name]) for name in languages]
    skipped = {name: sum(1 for g in profiles[name]["freq"] if not 1 <= len(g) <= 3) for name in languages}
    if any(skipped.values()):
        # langdetect keeps such n-grams as keys with all-zero probabilities; n-gram extraction
        # never produces them, so leaving them out changes nothing.
        print(f"note: n-grams longer than 3 left out: {skipped}")

    vi_composed = list(NGram.NORMALIZED_VI_CHARS)
    if len(vi_composed) != len(NGram.DMARK_CLASS) or any(len(s) != len(NGram.TO_NORMALIZE_VI_CHARS) for s in vi_composed):
        fail("Vietnamese normalisation tables have inconsistent sizes")
    cjk_classes = list(NGram.CJK_CLASS)
    if any(not (0x4E00 <= ord(ch) <= 0x9FFF) for s in cjk_classes for ch in s):
        fail("a CJK class character lies outside the CJK Unified Ideographs block")

    document = {
        "format": "langdetect-profiles/1",
        "source": {"package": "langdetect", "version": version, "license": "Apache-2.0"},
        "languages": languages,
        "n_words": [e[0] for e in encoded],
        "ngrams": [e[1] for e in encoded],
        "freq": [e[2] for e in encoded],
        "latin1_excluded": NGram.LATIN1_EXCLUDED,
        "cjk_classes": cjk_classes,
        "vi_letters": NGram.TO_NORMALIZE_VI_CHARS,
        "vi_marks": NGram.DMARK_CLASS,
        "vi_composed": vi_composed,
    }
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"

    # Read back and compare with the package's data.
    back = json.loads(text)
    if back["languages"] != languages:
        fail("language list does not round-trip")
    for i, name in enumerate(languages):
        original = {g: int(c) for g, c in profiles[name]["freq"].items() if 1 <= len(g) <= 3}
        if back["n_words"][i] != profiles[name]["n_words"]:
            fail(f"{name}: n_words does not round-trip")
        if decode_profile(back["n_words"][i], back["ngrams"][i], back["freq"][i]) != original:
            fail(f"{name}: n-gram counts do not round-trip")
    cjk_map = {}
    for s in back["cjk_classes"]:
        for ch in s:
            cjk_map[ch] = s[0]
    if cjk_map != NGram.CJK_MAP:
        fail("CJK map does not round-trip")
    for key, expected in (("latin1_excluded", NGram.LATIN1_EXCLUDED), ("vi_letters", NGram.TO_NORMALIZE_VI_CHARS),
                          ("vi_marks", NGram.DMARK_CLASS), ("vi_composed", vi_composed)):
        if back[key] != expected:
            fail(f"{key} does not round-trip")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "langdetect_profiles.json").write_text(text, encoding="utf-8")

    wheel_files = {f.name: f for f in importlib.metadata.distribution("langdetect").files or []}
    notice_parts = [
        "langdetect_profiles.json is derived from the language profiles and character tables of the\n"
        f"PyPI package langdetect {version} (langdetect/profiles/*, langdetect/utils/messages.properties),\n"
        "produced by scripts/make_langdetect_profiles.py. Licence: Apache License, Version 2.0\n"
        "(https://www.apache.org/licenses/LICENSE-2.0). The package's notices follow unchanged.\n",
    ]
    for name in ("LICENSE", "NOTICE"):
        if name not in wheel_files or not Path(wheel_files[name].locate()).is_file():
            fail(f"{name} not found in the installed langdetect wheel")
        path = Path(wheel_files[name].locate())
        notice_parts.append(f"===== langdetect {version}: {name} =====\n\n" + path.read_text(encoding="utf-8").rstrip() + "\n")
    (out / "LANGDETECT-NOTICE.txt").write_text("\n".join(notice_parts), encoding="utf-8")

    total = sum(len(d) for e in encoded for d in e[2])
    print(f"wrote {out / 'langdetect_profiles.json'}: {len(languages)} languages, {total} n-gram counts, "
          f"{len(text.encode('utf-8'))} bytes")
    print(f"wrote {out / 'LANGDETECT-NOTICE.txt'}")


if __name__ == "__main__":
    main()
