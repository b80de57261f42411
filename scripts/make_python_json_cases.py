#!/usr/bin/env python3
"""Texts and whether Python's json.loads accepts them, for the json_format verifiers' tests.

Writes one JSON object per line: {"text": ..., "valid": bool}. The texts are hand-picked edge cases
(trailing commas, comments, single quotes, NaN/Infinity, control characters, escapes, numbers,
whitespace, duplicate keys, depth) and seeded random mutations of small JSON documents.

    python3 scripts/make_python_json_cases.py Tests/VerifiersTests/Fixtures/python_json_cases.jsonl
"""
import json
import random
import sys


def verdict(text):
    try:
        json.loads(text)
        return True
    except ValueError:
        return False
    except RecursionError:
        return False


EDGE = [
    '[1,]', '{"a": 1,}', '[1 2]', '{"a" 1}', '{a: 1}', "{'a': 1}", "'x'", '// c\n1', '/* c */ 1', '1 // c',
    'NaN', 'Infinity', '-Infinity', '[NaN, Infinity, -Infinity]', 'nan', 'inf', '-NaN', '+1', '01', '1.', '.5',
    '-', '-0', '0.0e+0', '1E5', '1e', '1e+', '0x10', '1_000', '"a\tb"', '"a\nb"', '"a\u001fb"', '"a\u007fb"',
    '"\\ud800"', '"\\uD83D\\uDE00"', '"\\u12"', '"\\x41"', '"\\a"', '"\\/"', '"\\\'"', '{"a": 1, "a": 2}', '\ufeff1',
    ' 1 ', '\t\n\r1\r\n\t', '\u00a01', '1\u00a0', '\u20281', '', ' ', 'null', 'true', 'false', 'True', 'None',
    '[]', '{}', '[[]]', '{"a": {}}', '[1, [2, [3]]]', '"unterminated', '[', '{', ']', '}', '[1]]', '{"a": 1}}',
    '[' * 500 + ']' * 500, '[' * 2000 + ']' * 2000, '{"a": ' * 300 + '1' + '}' * 300, '"\u0000"', '"é"', '"\U0001F600"',
    '١', '[١]', '1 2', 'true false', '"a" "b"', '{"a": 1} {"b": 2}', '[1, 2, 3] garbage', '```json\n{"a": 1}\n```',
]


def mutations(rng, text):
    """Small edits of a valid document."""
    out = []
    for _ in range(6):
        choice = rng.randrange(8)
        pos = rng.randrange(len(text) + 1)
        if choice == 0:
            out.append(text[:pos] + ',' + text[pos:])
        elif choice == 1 and len(text) > 1:
            out.append(text[:pos] + text[pos + 1:])
        elif choice == 2:
            out.append(text.replace('"', "'", 1))
        elif choice == 3:
            out.append(text[:pos] + rng.choice([' ', '\t', '\n', '\r', '\u00a0', '\u2028']) + text[pos:])
        elif choice == 4:
            out.append(text[:pos] + rng.choice(['NaN', 'Infinity', '-Infinity', 'nan', 'null', '1e3', '-0', '01']) + text[pos:])
        elif choice == 5:
            out.append(text[:pos] + rng.choice(['\\', '\\u00', '\\n', '\x01', '/*x*/', '//x\n']) + text[pos:])
        elif choice == 6:
            out.append(text + rng.choice(['', ' ', ',', ']', '}', 'x']))
        else:
            out.append(text.replace(',', ', ', 1))
    return out


def random_document(rng, depth=0):
    kind = rng.randrange(7 if depth < 3 else 5)
    if kind == 0:
        return rng.choice([0, -1, 3.5, 1e10, -2.25e-5, 12345678901234567890])
    if kind == 1:
        return rng.choice(['', 'a', 'é', 'line\nbreak', 'tab\there', '"quoted"', 'back\\slash', '\u2028'])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return rng.choice([float('nan'), float('inf'), float('-inf'), 7])
    if kind == 4:
        return 'x' * rng.randrange(4)
    if kind == 5:
        return [random_document(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(['a', 'b', 'key', 'é']): random_document(rng, depth + 1) for _ in range(rng.randrange(4))}


def main():
    rng = random.Random(20261206)
    texts = list(EDGE)
    for _ in range(400):
        document = json.dumps(random_document(rng), ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 1, 2]))
        texts.append(document)
        texts.extend(mutations(rng, document))
    seen, rows = set(), []
    for text in texts:
        if text in seen:
            continue
        seen.add(text)
        rows.append({"text": text, "valid": verdict(text)})
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=True) + "\n")
    print(f"{len(rows)} texts, {sum(r['valid'] for r in rows)} valid")


if __name__ == "__main__":
    main()
