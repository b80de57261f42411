#!/usr/bin/env python3
"""Reference fixtures for the GSM8K and MATH answer verifiers.

Writes, into Tests/VerifiersTests/Fixtures/ (or the directory given as --out):

* gsm8k_model_solutions.jsonl    600 of the 2640 labelled GPT-3 GSM8K solutions (rows
                                 floor(i * 2640 / 600), i = 0..599, of
                                 gsm8k/model_solutions_dev.jsonl): id, answer_number,
                                 response, openai_is_correct, and `answer` (the full gold
                                 solution) on every 6th kept row (i % 6 == 0, 100 rows).
* math500.jsonl                  all 500 MATH-500 rows: unique_id, answer, solution.
* math_reference_verdicts.jsonl  (response, gold) pairs run through the Python references:
                                 every MATH-500 solution against its answer, the tricky-case
                                 table (§4.7) of the verifier study shared/reference/verifiers.md,
                                 and designed adversarial
                                 cases (see MATH_CASES below and the README for each column).
* gsm8k_reference_verdicts.jsonl designed GSM8K responses run through lm-eval's gsm8k /
                                 gsm8k-cot filters and exact_match metric and open-instruct's
                                 GSM8KVerifier (see GSM8K_CASES below).
* README.md                      what every file and column is, sources, licences, versions.

The references are the real Python code, imported, not copied:
  lm_eval.tasks.hendrycks_math.utils  last_boxed_only_string, remove_boxed, strip_string,
                                      is_equiv, process_results
  lm_eval.tasks.minerva_math.utils    get_unnormalized_answer, normalize_final_answer (the
                                      *modified* 0.4.13 one), is_equiv (sympy), process_results
  lm_eval.filters / api.metrics       RegexFilter + take_first from the gsm8k yaml files,
                                      exact_match_hf_evaluate with the yaml's metric settings
  math_verify                         parse, verify
Two references have no importable package and are written out below from their published text:
  * classic Minerva normalize_final_answer (Lewkowycz et al. 2022, appendix D; identical to
    lm-eval <= 0.4.9.1): lm-eval 0.4.13 ships a modified one, so both are recorded.
  * open-instruct GSM8KVerifier (allenai/open-instruct open_instruct/ground_truth_utils.py,
    three lines), in two versions: @e6c3044 (after PR #1530, 2026-03-20, signed numbers) and
    the earlier regex used for Tulu 3 RLVR.

Run from the repository root, in a virtual environment with the reference packages:

    python3 -m venv /tmp/verifier-fixtures-venv
    /tmp/verifier-fixtures-venv/bin/pip install 'lm-eval==0.4.13' 'math-verify==0.9.0' \\
        'antlr4-python3-runtime==4.11' 'sympy==1.14.0'
    /tmp/verifier-fixtures-venv/bin/python scripts/make_math_verifier_fixtures.py \\
        --data path/to/data --out Tests/VerifiersTests/Fixtures

--data is the folder holding gsm8k/model_solutions_dev.jsonl and math/math500_test.jsonl
(the public GSM8K and MATH-500 sets; the project never reads it at run time, only this script does).
Deterministic: running it again gives identical bytes with the same library versions (it
stops with an error if a sympy/math-verify comparison hits its 5 s timeout, since that would
make a verdict depend on the machine's speed). Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import platform
import re
import sys
import time
from pathlib import Path

import yaml

import lm_eval.tasks.hendrycks_math.utils as hm
import lm_eval.tasks.minerva_math.utils as mm  # needs antlr4-python3-runtime 4.11, math_verify
from lm_eval.api.metrics import exact_match_hf_evaluate
from lm_eval.api.registry import get_filter
import lm_eval.filters  # noqa: F401  (registers "regex", "take_first")
from math_verify import parse as mv_parse, verify as mv_verify

# ---------------------------------------------------------------------------------------
# Classic Minerva normalisation (Lewkowycz et al. 2022, "Solving Quantitative Reasoning
# Problems with Language Models", appendix D; the code lm-eval shipped up to 0.4.9.1 and
# open-instruct's math_utils uses). lm-eval 0.4.13's normalize_final_answer is a modified
# version (whole-word unit removal outside LaTeX commands, \sqrt[n] handling, commas removed
# only for true thousands groups); it is recorded separately as lmeval_minerva_*.

CLASSIC_SUBSTITUTIONS = [
    ("an ", ""), ("a ", ""), (".$", "$"), ("\\$", ""), (r"\ ", ""), (" ", ""),
    ("mbox", "text"), (",\\text{and}", ","), ("\\text{and}", ","), ("\\text{m}", "\\text{}"),
]
CLASSIC_REMOVED_EXPRESSIONS = [
    "square", "ways", "integers", "dollars", "mph", "inches", "ft", "hours", "km", "units",
    "\\ldots", "sue", "points", "feet", "minutes", "digits", "cents", "degrees", "cm", "gm",
    "pounds", "meters", "meals", "edges", "students", "childrentickets", "multiples",
    "\\text{s}", "\\text{.}", "\\text{\ns}", "\\text{}^2", "\\text{}^3", "\\text{\n}",
    "\\text{}", r"\mathrm{th}", r"^\circ", r"^{\circ}", r"\;", r",\!", "{,}", '"', "\\dots",
]


def classic_normalize_final_answer(final_answer: str) -> str:
    final_answer = final_answer.split("=")[-1]
    for before, after in CLASSIC_SUBSTITUTIONS:
        final_answer = final_answer.replace(before, after)
    for expr in CLASSIC_REMOVED_EXPRESSIONS:
        final_answer = final_answer.replace(expr, "")
    final_answer = re.sub(r"(.*?)(\$)(.*?)(\$)(.*)", "$\\3$", final_answer)
    final_answer = re.sub(r"(\\text\{)(.*?)(\})", "\\2", final_answer)
    final_answer = re.sub(r"(\\textbf\{)(.*?)(\})", "\\2", final_answer)
    final_answer = re.sub(r"(\\overline\{)(.*?)(\})", "\\2", final_answer)
    final_answer = re.sub(r"(\\boxed\{)(.*)(\})", "\\2", final_answer)
    final_answer = re.sub(r"(frac)([^{])(.)", "frac{\\2}{\\3}", final_answer)
    final_answer = re.sub(r"(sqrt)([^{])", "sqrt{\\2}", final_answer)
    final_answer = final_answer.replace("$", "")
    if final_answer.replace(",", "").isdigit():
        final_answer = final_answer.replace(",", "")
    return final_answer


# ---------------------------------------------------------------------------------------
# open-instruct GSM8KVerifier.__call__ (open_instruct/ground_truth_utils.py). Both versions:
#   current (@e6c3044, since PR #1530 "Fix GSM8K reward parsing for signed answers"):
#       numbers = re.findall(r"[-+]?(?:\d*\.\d+|\d+)", response)
#   before #1530 (since the first RLVR code, 2024-11-20, Tulu 3): the sign only binds to
#   the decimal alternative:
#       numbers = re.findall(r"[-+]?\d*\.\d+|\d+", response)
# Python's \d matches every Unicode decimal digit (re.UNICODE is the default for str).

def open_instruct_gsm8k(prediction: str, label: str, pre_1530: bool = False) -> tuple[str, bool]:
    response = re.sub(r"(\d),(\d)", r"\1\2", prediction)
    pattern = r"[-+]?\d*\.\d+|\d+" if pre_1530 else r"[-+]?(?:\d*\.\d+|\d+)"
    numbers = re.findall(pattern, response)
    extracted = numbers[-1] if numbers else response
    return extracted, str(extracted).lower() == str(label).lower()


# ---------------------------------------------------------------------------------------
# Timing guard: every sympy / math-verify call must finish well inside its 5 s timeout.

SLOW_LIMIT_S = 2.5
_slowest = [0.0, ""]


def timed(label: str, fn, *args, **kwargs):
    t0 = time.monotonic()
    out = fn(*args, **kwargs)
    dt = time.monotonic() - t0
    if dt > _slowest[0]:
        _slowest[0], _slowest[1] = dt, label
    if dt > SLOW_LIMIT_S:
        sys.exit(f"error: {label} took {dt:.1f}s, too close to the 5 s timeout; the verdict "
                 "would depend on the machine's speed. Change the case.")
    return out


# ---------------------------------------------------------------------------------------
# MATH cases. (response, gold, why). Gold is a MATH `answer` string (not boxed).

FILLER = ("We first rewrite the equation and collect like terms; then we check each case "
          "carefully, using $x = 2$ and $y = 3$ as a sanity check along the way. ")

TABLE_4_7 = [
    # (response, gold, why, verifiers.md §4.7 row marks: minerva, min_str, hendrycks, math_verify, lm-eval 0.4.13)
    ("So the probability is $\\boxed{3/4}$.", "\\frac{3}{4}",
     "§4.7 slash vs frac", "T.TTT"),
    ("The ratio is $\\boxed{\\dfrac{3}{4}}$.", "\\frac{3}{4}",
     "§4.7 \\dfrac (Hendrycks rewrites dfrac; Minerva needs sympy)", "T.TTT"),
    ("The ratio is $\\boxed{\\frac34}$.", "\\frac{3}{4}",
     "§4.7 shorthand \\frac34", "TTTTT"),
    ("The ratio is $\\boxed{0.75}$.", "\\frac{3}{4}",
     "§4.7 decimal vs fraction (numeric only via sympy / math-verify)", "T..TT"),
    ("The ratio is $\\boxed{\\frac{6}{8}}$.", "\\frac{3}{4}",
     "§4.7 unreduced fraction", "T..TT"),
    ("The angle measures $\\boxed{30^\\circ}$.", "30",
     "§4.7 degrees as ^\\circ", "TTTTT"),
    ("The angle measures $\\boxed{30 \\text{ degrees}}$.", "30",
     "§4.7 degrees as \\text{ degrees}", "TTTTT"),
    ("The discount is $\\boxed{25\\%}$.", "25",
     "§4.7 percent in prediction, plain gold", "..T.."),
    ("The discount is $\\boxed{25}$.", "25\\%",
     "§4.7 percent in gold, plain prediction", "..T.."),
    ("The cost is $\\boxed{\\$18.90}$.", "18.90",
     "§4.7 escaped dollar sign", "TTTTT"),
    ("The area is $\\boxed{12\\text{ cm}^2}$.", "12",
     "§4.7 units with \\text{ cm}^2", "TTTTT"),
    ("The length is $\\boxed{5 \\mbox{ inches}}$.", "5",
     "§4.7 units with \\mbox (Hendrycks only knows \\text{ )", "TT.TT"),
    ("The winner is $\\boxed{Evelyn}$.", "\\text{Evelyn}",
     "§4.7 bare text vs \\text{}", "TT.TT"),
    ("The correct option is $\\boxed{B}$.", "\\text{(B)}",
     "§4.7 multiple-choice letter vs \\text{(B)}", "T..TT"),
    ("The point is $\\boxed{\\left(1,-2\\right)}$.", "(1,-2)",
     "§4.7 \\left( \\right) tuple (classic Minerva eats 'ft' of \\left)", "..TT."),
    ("The solutions are $\\boxed{3, 1}$.", "1, 3",
     "§4.7 set in a different order", "...T."),
    ("The solutions are $\\boxed{1, 3}$.", "1,3",
     "§4.7 '1, 3' vs '1,3'", "TTTTT"),
    ("The solutions are $\\boxed{\\pm 2}$.", "2, -2",
     "§4.7 \\pm vs listed roots", "...T."),
    ("The matrix is $\\boxed{\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}}$.",
     "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
     "§4.7 bmatrix vs pmatrix", "...T."),
    ("The value is $\\boxed{\\frac{1}{\\sqrt{2}}}$.", "\\frac{\\sqrt{2}}{2}",
     "§4.7 1/sqrt2 vs sqrt2/2 (nested braces in the box)", "T..TT"),
    ("There are $\\boxed{10{,}000}$ ways.", "10000",
     "§4.7 {,} thousands separator", "TT.TT"),
    ("The total is $\\boxed{1.5\\times10^{3}}$.", "1500",
     "§4.7 scientific notation", "T..TT"),
    ("The answer is $\\boxed{5.0}$.", "5",
     "§4.7 5.0 vs 5", "T..TT"),
    ("So $x = \\frac{3}{4}$.\nFinal Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.",
     "\\frac{3}{4}", "§4.7 Minerva 'Final Answer' line, no box", "TT.TT"),
    ("The answer is 3/4.", "\\frac{3}{4}",
     "§4.7 plain 'answer is 3/4', no box, no $", "...T."),
    ("The roots are $\\boxed{2}$ and $\\boxed{3}$.", "2, 3",
     "§4.7 two boxes: only the last is extracted; math-verify reads '2 and 3' as the set {2, 3}", "...T."),
    ("The answer is $\\fbox{5}$.", "5",
     "§4.7 \\fbox found by last_boxed_only_string but rejected by remove_boxed", "...T."),
    ("The variable is $\\boxed{an}$.", "n",
     "§4.7 \\boxed{an}: 'an ' substitution needs the space, so nothing is removed", "....."),
]

LONG_BOXED = FILLER * 90 + "Therefore the answer is $\\boxed{42}$."
LONG_UNBOXED = FILLER * 90 + "Therefore the answer is 42."

ADVERSARIAL = [
    # extraction
    ("Simplifying, $\\boxed{\\frac{1}{\\sqrt{2}}}$.", "\\frac{1}{\\sqrt{2}}",
     "nested braces inside the box, identical to gold"),
    ("The answer is \\boxed 5.", "5",
     "'\\boxed ' space form: content runs to the next $ or the end, so '5.' is extracted"),
    ("The answer is $\\boxed 5$.", "5",
     "'\\boxed ' space form closed by $"),
    ("First $\\boxed 5$ then $\\boxed{7}$.", "7",
     "'\\boxed ' anywhere wins over a later \\boxed{...}: 5 is extracted"),
    ("First $\\boxed{7}$ then $\\boxed 5$.", "5",
     "'\\boxed ' later in the text: the space form is taken; math-verify does not see it and takes 7"),
    ("The answer is $\\fbox{\\frac{1}{2}}$.", "\\frac{1}{2}",
     "\\fbox with nested braces: found, then rejected by remove_boxed"),
    ("We get $\\boxed{3}$, so \\fbox{4} is wrong.", "3",
     "rfind('\\boxed') is tried before \\fbox, even though \\fbox comes later; math-verify reads both boxes as the set {3, 4}"),
    ("The answer is $\\boxed{5", "5",
     "unterminated \\boxed{: no answer"),
    ("Earlier $\\boxed{3}$, finally $\\boxed{\\frac{1}{2}", "3",
     "last \\boxed is unterminated: no answer for lm-eval; math-verify falls back to the complete earlier box"),
    ("Answers: $\\boxed{2}\\boxed{3}$", "3",
     "two adjacent boxes: the last one is extracted; math-verify reads the set {2, 3}, which is not 3"),
    ("Answers: $\\boxed{2}\\boxed{3}$", "2",
     "two adjacent boxes against the first: no reference accepts (math-verify reads the set {2, 3})"),
    ("The set is $\\boxed{\\{1,2\\}}$.", "\\{1,2\\}",
     "escaped braces \\{ \\} are counted as braces (balanced here)"),
    ("The set is $\\boxed{\\{1}$.", "\\{1\\}",
     "escaped \\{ counted as an open brace: box never closes, no answer"),
    ("The answer is $\\boxed{}$.", "5",
     "empty box"),
    ("$\\boxed{\n  5\n}$", "5",
     "newlines and spaces inside the box"),
    ("Thus $\\boxed{5}$.", "5",
     "plain boxed integer followed by a period outside the box"),
    # Minerva format
    ("Final Answer: The final answer is $5$. I hope it is correct.", "5",
     "Minerva final-answer line, no box"),
    ("Final Answer: The final answer is 5", "5",
     "Minerva line without 'I hope it is correct.': the appended suffix leaves no space before 'I', so the regex fails"),
    ("We find $\\boxed{6}$.\nFinal Answer: The final answer is $5$. I hope it is correct.", "5",
     "box and Minerva line disagree: extracted is the box; lm-eval minerva_math reads only the line"),
    ("Final Answer: The final answer is $x = \\frac{1}{2}$. I hope it is correct.", "\\frac{1}{2}",
     "Minerva line with an assignment: normalisation keeps the right-hand side"),
    # $...$ only
    ("The answer is $\\frac{1}{2}$.", "\\frac{1}{2}",
     "answer only in $...$, no box or Minerva line: no extraction; lm-eval hendrycks $-span and math-verify accept"),
    ("If $x=2$ then the answer is $7$.", "7",
     "two $...$ spans, no box: math-verify takes the last"),
    # percentages
    ("The rate is $\\boxed{50\\%}$.", "50",
     "percent sign in prediction: only Hendrycks strips \\%; math-verify compares the raw boxed strings"),
    ("The rate is $\\boxed{50 \\%}$.", "50\\%",
     "percent with a space vs gold with percent: math-verify's raw strings differ by the space"),
    ("The rate is $\\boxed{0.5}$.", "50\\%",
     "decimal vs percent gold: math-verify cannot convert a boxed \\% (keeps the raw string), so no match"),
    ("The rate is $\\boxed{10\\%}$.", "0.1",
     "percent vs decimal gold"),
    ("The rate is $\\boxed{50 \\text{ percent}}$.", "50",
     "'percent' spelled out in \\text{ }"),
    # thousands separators
    ("The total is $\\boxed{1,000}$.", "1000",
     "comma thousands separator"),
    ("The total is $\\boxed{1,000,000}$.", "1000000",
     "two comma groups"),
    ("The total is $\\boxed{1{,}000}$.", "1000",
     "{,} thousands separator"),
    ("The total is $\\boxed{1\\,000}$.", "1000",
     "thin space \\, as separator: math-verify does not accept it"),
    ("The total is $\\boxed{1000}$.", "1,000",
     "separator in gold only"),
    ("The total is $\\boxed{\\$1,000}$.", "1000",
     "escaped dollar and comma"),
    ("The pair is $\\boxed{0,1}$.", "(0,1)",
     "bare tuple of digits: classic Minerva fuses it to 01"),
    ("The total is $\\boxed{\uff11,\uff10\uff10\uff10}$.", "1000",
     "fullwidth digits: Python str.isdigit() is true for them (Unicode), so commas go"),
    # decimals vs fractions
    ("The value is $\\boxed{0.5}$.", "\\frac{1}{2}",
     "0.5 is special-cased to \\frac{1}{2} by Hendrycks strip_string"),
    ("The value is $\\boxed{.5}$.", "\\frac12",
     "leading-dot decimal vs shorthand fraction: Hendrycks adds the 0 then maps 0.5; sympy cannot parse .5"),
    ("The value is $\\boxed{0.333}$.", "\\frac{1}{3}",
     "0.333 vs 1/3: not equal under any reference"),
    ("The value is $\\boxed{0.3333333}$.", "\\frac{1}{3}",
     "decimal agreeing to 6 places (math-verify float_rounding=6)"),
    ("The value is $\\boxed{2.50}$.", "2.5",
     "trailing zero decimal"),
    ("The value is $\\boxed{2\\frac{1}{2}}$.", "\\frac{5}{2}",
     "mixed number: sympy parse_latex reads 2*(1/2) = 1, math-verify reads 2 1/2"),
    # negatives
    ("The value is $\\boxed{-3}$.", "-3", "negative integer"),
    ("The value is $\\boxed{- 3}$.", "-3", "negative with a space"),
    ("The value is $\\boxed{3}$.", "-3", "sign dropped: must be wrong"),
    ("The value is $\\boxed{-\\frac{2}{3}}$.", "-\\frac23", "negative fraction vs shorthand"),
    ("The value is $\\boxed{\\frac{-2}{3}}$.", "-\\frac{2}{3}", "sign inside the numerator"),
    # \dfrac, \tfrac, a/b
    ("The value is $\\boxed{\\dfrac{1}{2}}$.", "\\frac12", "\\dfrac vs shorthand \\frac12"),
    ("The value is $\\boxed{\\tfrac{1}{2}}$.", "\\frac{1}{2}", "\\tfrac"),
    ("The value is $\\boxed{1/2}$.", "\\frac{1}{2}", "integer slash fraction"),
    ("The value is $\\boxed{x/2}$.", "\\frac{x}{2}", "non-integer slash: Hendrycks fix_a_slash_b raises (int('x')), is_equiv falls back to raw equality"),
    ("The value is $\\boxed{(1+2)/3}$.", "1", "parenthesised slash expression: strip_string raises, raw equality; sympy and math-verify evaluate it"),
    # intervals and tuples
    ("The domain is $\\boxed{[2,5)}$.", "[2,5)", "half-open interval, identical to gold"),
    ("The domain is $\\boxed{\\left[ 2, 5 \\right)}$.", "[2,5)", "interval with \\left[ \\right)"),
    ("The domain is $\\boxed{(2,5)}$.", "[2,5)", "open vs half-open interval: must be wrong"),
    ("The domain is $\\boxed{(-\\infty, 3]}$.", "(-\\infty,3]",
     "\\infty: classic Minerva removes 'ft' from it on both sides (\\iny), lm-eval 0.4.13 keeps it"),
    ("The point is $\\boxed{(1, 2)}$.", "(1,2)", "tuple with a space"),
    ("The point is $\\boxed{(2, 1)}$.", "(1,2)", "tuple in the wrong order: must be wrong"),
    ("The set is $\\boxed{\\left\\{ 1, 2 \\right\\}}$.", "\\{1,2\\}", "set with \\left\\{"),
    # \pm
    ("The roots are $\\boxed{1 \\pm \\sqrt{2}}$.", "1+\\sqrt{2}, 1-\\sqrt{2}",
     "\\pm expression vs listed roots"),
    # text answers
    ("The day is $\\boxed{\\text{Monday}}$.", "\\text{Monday}", "text answer identical"),
    ("The day is $\\boxed{monday}$.", "\\text{Monday}", "text answer in lower case"),
    ("The option is $\\boxed{\\textbf{(C)}}$.", "\\text{(C)}", "\\textbf vs \\text"),
    ("The option is $\\boxed{(C)}$.", "\\text{(C)}", "bare (C) vs \\text{(C)}"),
    ("The parity is $\\boxed{\\text{odd}}$.", "\\text{even}", "different words: must be wrong"),
    # equations and LaTeX forms
    ("So $\\boxed{x = 5}$.", "5", "assignment inside the box"),
    ("So $\\boxed{y = 2x + 3}$.", "2x+3", "equation of a line vs its right-hand side"),
    ("So $\\boxed{k=5}$.", "5", "short left-hand side (Hendrycks drops lhs of <= 2 chars)"),
    ("So $\\boxed{2\\sqrt3}$.", "2\\sqrt{3}", "shorthand \\sqrt3"),
    ("So $\\boxed{\\sqrt[3]{8}}$.", "2", "indexed root: classic Minerva corrupts it to \\sqrt{[}3]{8}"),
    ("So $\\boxed{\\infty}$.", "\\infty", "\\infty alone: classic Minerva turns both into \\iny, still equal"),
    ("So $\\boxed{2\\pi}$.", "2 \\pi", "space inside gold"),
    ("So $\\boxed{\\pi}$.", "3.14159", "pi vs 3.14159: not equal even for math-verify (it compares at 6 decimals)"),
    ("So $\\boxed{a + b}$.", "a+b", "classic Minerva's 'a ' substitution eats the variable a"),
    ("So $\\boxed{12\\text{ feet}}$.", "12", "unit word feet"),
    ("So $\\boxed{5 \\text{ ft}}$.", "5", "unit word ft"),
    ("So $\\boxed{90^{\\circ}}$.", "90", "degrees as ^{\\circ}"),
    ("So $\\boxed{1.2 \\times 10^4}$.", "12000", "scientific notation with a space"),
    ("So $\\boxed{\\frac{\\sqrt{3}}{2}}$.", "\\frac{\\sqrt3}{2}", "shorthand root inside a fraction in the gold"),
    ("So $\\boxed{\\text{(A)}}$.", "\\text{(A)}", "multiple-choice text identical"),
    # empty / long
    ("", "5", "empty response"),
    ("I could not solve this problem.", "5", "no answer at all"),
    (LONG_BOXED, "42", "very long response (about 13,000 characters) ending in a box"),
    (LONG_UNBOXED, "42", "very long response without a box: only math-verify's plain-number fallback"),
]


# ---------------------------------------------------------------------------------------
# GSM8K cases. (response, gold number, why[, lm-eval target]). The lm-eval target defaults
# to "#### " + gold (lm-eval's gsm8k target is the full solution; its exact_match strips
# everything up to the last "#### ").

HUGE = ("Step: the farmer counts 3 rows of 7 plants, then 21 plants in all, and so on. " * 250)

GSM8K_CASES = [
    ("Janet sells 16 - 3 - 4 = 9 eggs.\nShe makes 9 * 2 = $18.\n#### 18", "18", "canonical GSM8K format"),
    ("#### 18", "18", "bare #### line"),
    ("####18", "18", "no space after ####: strict-match fails"),
    ("####  18", "18", "two spaces after ####: strict-match fails"),
    ("#### 18.00", "18", "18.00: strict extracts 18.00, not equal to 18"),
    ("#### 18.0", "18", "18.0: not equal to 18 for any string comparison"),
    ("#### 18.", "18", "trailing period: removed by exact_match's \\.$"),
    ("#### 18.\n", "18", "trailing period before a final newline: \\.$ still matches"),
    ("#### 18..", "18", "two trailing periods: only one removed"),
    ("#### $18", "18", "dollar after ####: strict regex has no $, fails"),
    ("#### 18 ", "18", "trailing space"),
    ("#### 18 apples", "18", "unit after the number"),
    ("#### 1,000", "1000", "comma in the #### number: removed by exact_match"),
    ("#### 1000", "1000", "plain thousand", "#### 1,000"),
    ("#### 18,000", "18000", "comma thousands"),
    ("#### 12,345,678", "12345678", "two comma groups"),
    ("#### -18", "18", "wrong sign"),
    ("#### -5", "-5", "negative gold, negative answer"),
    ("#### +18", "18", "explicit plus sign: strict regex has no +"),
    ("#### -0", "0", "negative zero"),
    ("#### 007", "7", "leading zeros"),
    ("#### 0.5", "0.5", "decimal gold (GSM8K golds are integers; verifier generality)"),
    ("#### .5", "0.5", "leading-dot decimal"),
    ("#### 18\n#### 20", "18", "two #### lines: strict takes the first, flexible the last"),
    ("#### 20\n#### 18", "18", "two #### lines, gold second"),
    ("The answer is 20.\n#### 18", "18", "#### after a different 'The answer is'"),
    ("#### 18\nThe answer is 20.", "18", "#### before a different 'The answer is'"),
    ("#### 18\n\nQuestion: Tom has 3 apples and buys 4 more.", "18", "generation ran into the next few-shot question"),
    ("18", "18", "just the number"),
    ("+18", "18", "explicit plus sign, no ####"),
    ("-18", "-18", "negative answer only: pre-#1530 open-instruct drops the sign"),
    ("The temperature fell to -5 degrees.", "-5", "negative in prose"),
    ("The temperature fell to -5.5 degrees.", "-5.5", "negative decimal in prose"),
    ("She pays 18 dollars in 2 steps.", "18", "trailing number after the answer: last-number extraction picks 2"),
    ("She made $18.", "18", "dollar sign and final period"),
    ("She made $18.00.", "18", "dollars and cents"),
    ("Result: 18.00", "18", "18.00 without ####"),
    ("Result: 18.0", "18", "18.0 without ####"),
    ("The total is 1,000 dollars.", "1000", "comma thousands in prose"),
    ("The total is 1,000.", "1000", "comma thousands then period"),
    ("The total is $1,234.56.", "1234.56", "dollars with comma and cents"),
    ("Counts: 12,34", "1234", "malformed grouping: commas between digits are removed by open-instruct"),
    ("Counts: 1,2,3", "123", "digit list fused by comma removal"),
    ("The answer is 2, 3", "3", "comma with space: not fused"),
    ("$\\boxed{18}$.", "18", "boxed in $...$ then period: flexible's last match is '$.'"),
    ("\\boxed{18}", "18", "boxed without $"),
    ("The answer is $\\boxed{18}$", "18", "boxed at the very end, no period"),
    ("The answer is 18", "18", "gsm8k-cot strict at the very end: unescaped '.' makes the group backtrack to '1'"),
    ("The answer is 18.", "18", "gsm8k-cot strict with the final period"),
    ("The answer is 18!", "18", "gsm8k-cot strict: '.' matches any character"),
    ("The answer is: 18", "18", "colon breaks gsm8k-cot strict"),
    ("The answer is 18 apples.", "18", "gsm8k-cot strict: the space is the '.'"),
    ("The answer is -18.", "-18", "negative in gsm8k-cot format"),
    ("A: 18", "18", "OpenAI model-solution format"),
    ("**18**", "18", "markdown bold"),
    ("3 * 6 = <<3*6=18>>18", "18", "GSM8K calculator annotation"),
    ("12 / 4 = 3", "3", "division in prose"),
    ("She has 5 - 3 = 2 left.", "2", "subtraction in prose"),
    ("5-3", "2", "expression only: flexible takes -3"),
    ("#### 5-3", "2", "expression after ####"),
    ("18%", "18", "percent sign"),
    ("eighteen", "18", "number in words: no digits"),
    ("", "18", "empty response"),
    ("I don't know.", "18", "no number at all"),
    ("-", "18", "lone minus"),
    ("$$", "18", "lone $$: flexible matches it and exact_match strips it to the empty string"),
    ("..", "18", "lone dots"),
    ("..18", "18", "leading dots"),
    ("18...", "18", "trailing ellipsis"),
    ("1.2.3", "3", "dotted version-like string"),
    ("1e3", "1000", "scientific notation"),
    ("#### 1 000", "1000", "space thousands separator"),
    ("\u201318", "-18", "en dash is not a minus"),
    ("\uff11\uff18", "18", "fullwidth digits: Python \\d matches them, [0-9] does not"),
    ("\u0661\u0668", "18", "Arabic-Indic digits: Python \\d matches them"),
    ("#### 18\r\n", "18", "CRLF line ending"),
    ("18\u00a0000", "18000", "no-break space as thousands separator"),
    ("The answer is 18.\n\n", "18", "trailing blank lines"),
    ("The answer is 18.\nQ: What is 2 + 2?\nA: 4", "18", "model continued with another question"),
    (HUGE + "#### 18", "18", "very long response (about 20,000 characters) ending in ####"),
    (HUGE + "So the answer is 18.", "18", "very long response, last number 18 (lower-case 'the answer is': gsm8k-cot strict needs 'The')"),
]


# ---------------------------------------------------------------------------------------

def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def safe(fn, *args):
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001 (a reference raising is a verdict: "no value")
        return None


def math_row(case_id: str, source: str, response: str, gold: str, why: str) -> dict:
    last_boxed = hm.last_boxed_only_string(response)
    boxed_answer = safe(hm.remove_boxed, last_boxed) if last_boxed is not None else None
    final_line = mm.get_unnormalized_answer(response)
    if boxed_answer is not None:
        extracted, extracted_from = boxed_answer, "boxed"
    elif final_line != "[invalidanswer]":
        extracted, extracted_from = final_line, "final_answer_line"
    else:
        extracted, extracted_from = None, None

    # Classic Minerva (appendix D): string equality of the normalised strings, else sympy.
    c_gold = classic_normalize_final_answer(gold)
    c_pred = classic_normalize_final_answer(extracted) if extracted is not None else None
    minerva_string_equal = c_pred is not None and c_pred == c_gold
    if c_pred is None:
        minerva_equiv = False
    elif minerva_string_equal:
        minerva_equiv = True
    else:
        # lm-eval's is_equiv differs from the classic one only by a short-circuit for
        # identical strings, which this branch never reaches.
        minerva_equiv = bool(timed(f"{case_id} minerva is_equiv", mm.is_equiv, c_pred, c_gold))

    # lm-eval 0.4.13 (modified normaliser + is_equiv with the identical-string short-circuit).
    l_gold = mm.normalize_final_answer(gold)
    l_pred = mm.normalize_final_answer(extracted) if extracted is not None else None
    lmeval_minerva_equiv = (
        bool(timed(f"{case_id} lm-eval is_equiv", mm.is_equiv, l_pred, l_gold)) if l_pred is not None else False
    )

    # Hendrycks strip_string / is_equiv.
    h_gold = safe(hm.strip_string, gold)
    h_pred = safe(hm.strip_string, extracted) if extracted is not None else None
    hendrycks_equiv = bool(hm.is_equiv(extracted, gold)) if extracted is not None else False

    # The lm-eval tasks' own process_results on a document whose solution is \boxed{gold}.
    doc_solution = "\\boxed{" + gold + "}"
    h_res = hm.process_results({"solution": doc_solution}, [response])
    m_doc = {"solution": doc_solution, "answer": mm.normalize_final_answer(mm.remove_boxed(mm.last_boxed_only_string(doc_solution)))}
    m_res = timed(f"{case_id} minerva process_results", mm.process_results, m_doc, [response])

    # math-verify: verify(parse("\boxed{gold}"), parse(response)).
    gold_parsed = timed(f"{case_id} math_verify parse gold", mv_parse, doc_solution)
    pred_parsed = timed(f"{case_id} math_verify parse pred", mv_parse, response)
    math_verify = bool(timed(f"{case_id} math_verify verify", mv_verify, gold_parsed, pred_parsed))
    if math_verify != bool(m_res["math_verify"]):
        sys.exit(f"error: {case_id}: math_verify {math_verify} but lm-eval's math_verify metric {m_res['math_verify']}")
    mv_extracted = pred_parsed[-1] if pred_parsed and isinstance(pred_parsed[-1], str) else None
    mv_value = str(pred_parsed[0]) if len(pred_parsed) == 2 else None

    return {
        "id": case_id,
        "source": source,
        "response": response,
        "gold": gold,
        "last_boxed": last_boxed,
        "boxed_answer": boxed_answer,
        "extracted": extracted,
        "extracted_from": extracted_from,
        "minerva_normalized_pred": c_pred,
        "minerva_normalized_gold": c_gold,
        "minerva_string_equal": minerva_string_equal,
        "minerva_equiv": minerva_equiv,
        "lmeval_minerva_normalized_pred": l_pred,
        "lmeval_minerva_normalized_gold": l_gold,
        "lmeval_minerva_equiv": lmeval_minerva_equiv,
        "hendrycks_stripped_pred": h_pred,
        "hendrycks_stripped_gold": h_gold,
        "hendrycks_equiv": hendrycks_equiv,
        "lmeval_hendrycks_exact_match": bool(h_res["exact_match"]),
        "lmeval_minerva_exact_match": bool(m_res["exact_match"]),
        "math_verify": math_verify,
        "math_verify_extracted": mv_extracted,
        "math_verify_value": mv_value,
        "why": why,
    }


def load_gsm8k_yaml(name: str) -> dict:
    path = Path(mm.__file__).resolve().parents[1] / "gsm8k" / name
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run_filter(components: list[dict], response: str) -> str:
    resps = [[response]]
    for comp in components:
        kwargs = {k: v for k, v in comp.items() if k != "function"}
        resps = list(get_filter(comp["function"])(**kwargs).apply(resps, [None]))
    return resps[0]


def exact_match(metric: dict, pred: str, target: str) -> bool:
    score = exact_match_hf_evaluate(
        predictions=[pred], references=[target],
        regexes_to_ignore=metric.get("regexes_to_ignore"),
        ignore_case=metric.get("ignore_case", False),
        ignore_punctuation=metric.get("ignore_punctuation", False),
    )["exact_match"]
    return bool(score == 1.0)


class GSM8KReference:
    def __init__(self) -> None:
        self.plain = load_gsm8k_yaml("gsm8k.yaml")
        self.cot = load_gsm8k_yaml("gsm8k-cot.yaml")
        self.plain_filters = {f["name"]: f["filter"] for f in self.plain["filter_list"]}
        self.cot_filters = {f["name"]: f["filter"] for f in self.cot["filter_list"]}
        (self.plain_metric,) = [m for m in self.plain["metric_list"] if m["metric"] == "exact_match"]
        (self.cot_metric,) = [m for m in self.cot["metric_list"] if m["metric"] == "exact_match"]
        assert self.plain_filters["flexible-extract"] == self.cot_filters["flexible-extract"]

    def row(self, case_id: str, response: str, gold: str, why: str, target: str | None) -> dict:
        target = target if target is not None else "#### " + gold
        strict = run_filter(self.plain_filters["strict-match"], response)
        flexible = run_filter(self.plain_filters["flexible-extract"], response)
        cot_strict = run_filter(self.cot_filters["strict-match"], response)
        oi_pred, oi_ok = open_instruct_gsm8k(response, gold)
        oi_old_pred, oi_old_ok = open_instruct_gsm8k(response, gold, pre_1530=True)
        return {
            "id": case_id,
            "response": response,
            "gold": gold,
            "lmeval_target": target,
            "strict_match": strict,
            "strict_exact_match": exact_match(self.plain_metric, strict, target),
            "flexible_extract": flexible,
            "flexible_exact_match": exact_match(self.plain_metric, flexible, target),
            "cot_strict_match": cot_strict,
            "cot_strict_exact_match": exact_match(self.cot_metric, cot_strict, gold),
            "open_instruct_extracted": oi_pred,
            "open_instruct": oi_ok,
            "open_instruct_pre1530_extracted": oi_old_pred,
            "open_instruct_pre1530": oi_old_ok,
            "why": why,
        }


def versions() -> dict:
    names = ["lm_eval", "math-verify", "latex2sympy2_extended", "sympy", "antlr4-python3-runtime", "numpy", "PyYAML"]
    out = {"python": platform.python_version()}
    for n in names:
        out[n] = md.version(n)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="folder with gsm8k/model_solutions_dev.jsonl and math/math500_test.jsonl")
    ap.add_argument("--out", default="Tests/VerifiersTests/Fixtures", help="output folder (repo-relative)")
    args = ap.parse_args()
    data, out = Path(args.data), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ver = versions()
    if not ver["antlr4-python3-runtime"].startswith("4.11"):
        sys.exit("error: antlr4-python3-runtime 4.11 is required (sympy's parse_latex)")

    # 1. GSM8K model solutions sample.
    src = read_jsonl(data / "gsm8k" / "model_solutions_dev.jsonl")
    assert len(src) == 2640, len(src)
    kept = []
    for i in range(600):
        r = src[(i * len(src)) // 600]
        row = {"id": r["id"], "answer_number": r["answer_number"], "response": r["response"],
               "openai_is_correct": r["openai_is_correct"]}
        if i % 6 == 0:
            row["answer"] = r["answer"]
        kept.append(row)
    write_jsonl(out / "gsm8k_model_solutions.jsonl", kept)
    gref = GSM8KReference()
    sample_stats = {"rows": len(kept), "with_answer": sum("answer" in r for r in kept),
                    "openai_correct": sum(r["openai_is_correct"] for r in kept),
                    "strict_found": 0, "flexible_agrees": 0, "open_instruct_agrees": 0,
                    "open_instruct_pre1530_agrees": 0}
    for r in kept:
        v = gref.row(r["id"], r["response"], r["answer_number"], "", r.get("answer"))
        sample_stats["strict_found"] += v["strict_match"] != "[invalid]"
        sample_stats["flexible_agrees"] += v["flexible_exact_match"] == r["openai_is_correct"]
        sample_stats["open_instruct_agrees"] += v["open_instruct"] == r["openai_is_correct"]
        sample_stats["open_instruct_pre1530_agrees"] += v["open_instruct_pre1530"] == r["openai_is_correct"]

    # 2. MATH-500.
    m500 = read_jsonl(data / "math" / "math500_test.jsonl")
    assert len(m500) == 500, len(m500)
    write_jsonl(out / "math500.jsonl",
                [{"unique_id": r["unique_id"], "answer": r["answer"], "solution": r["solution"]} for r in m500])

    # 3. MATH verdicts.
    rows = []
    for r in m500:
        rows.append(math_row(r["unique_id"], "math500", r["solution"], r["answer"],
                             "MATH-500 reference solution against its own answer"))
    table_marks = {}
    for k, (resp, gold, why, marks) in enumerate(TABLE_4_7):
        cid = f"table47_{k:02d}"
        rows.append(math_row(cid, "verifiers_md_4_7", resp, gold, why))
        table_marks[cid] = marks
    for k, (resp, gold, why) in enumerate(ADVERSARIAL):
        rows.append(math_row(f"adv_{k:03d}", "adversarial", resp, gold, why))
    write_jsonl(out / "math_reference_verdicts.jsonl", rows)

    # 4. GSM8K verdicts.
    grows = []
    for k, case in enumerate(GSM8K_CASES):
        resp, gold, why = case[:3]
        target = case[3] if len(case) > 3 else None
        grows.append(gref.row(f"gsm8k_{k:03d}", resp, gold, why, target))
    write_jsonl(out / "gsm8k_reference_verdicts.jsonl", grows)

    # Stats and the comparison with verifiers.md §4.7.
    cols = ["minerva_equiv", "minerva_string_equal", "lmeval_minerva_equiv", "hendrycks_equiv",
            "lmeval_hendrycks_exact_match", "lmeval_minerva_exact_match", "math_verify"]
    stats = {}
    for source in ["math500", "verifiers_md_4_7", "adversarial"]:
        sel = [r for r in rows if r["source"] == source]
        stats[source] = {"rows": len(sel), **{c: sum(r[c] for r in sel) for c in cols}}
    table_cols = ["minerva_equiv", "minerva_string_equal", "hendrycks_equiv", "math_verify", "lmeval_minerva_equiv"]
    table_diffs = []
    for r in rows:
        if r["id"] in table_marks:
            for c, m in zip(table_cols, table_marks[r["id"]]):
                if r[c] != (m == "T"):
                    table_diffs.append((r["id"], r["why"], c, m == "T", r[c]))
    gstats = {c: sum(r[c] for r in grows) for c in
              ["strict_exact_match", "flexible_exact_match", "cot_strict_exact_match", "open_instruct", "open_instruct_pre1530"]}
    gstats["rows"] = len(grows)

    write_readme(out, ver, sample_stats, stats, table_diffs, gstats, len(TABLE_4_7), len(ADVERSARIAL))
    summary = {"versions": ver, "gsm8k_sample": sample_stats, "math": stats, "gsm8k_cases": gstats,
               "slowest_reference_call": [round(_slowest[0], 2), _slowest[1]],
               "table_4_7_differences": table_diffs}
    print(json.dumps(summary, indent=1, ensure_ascii=False))


def write_readme(out: Path, ver: dict, ss: dict, ms: dict, diffs: list, gs: dict, n_table: int, n_adv: int) -> None:
    def mrow(name: str, s: dict) -> str:
        return (f"| {name} | {s['rows']} | {s['minerva_string_equal']} | {s['minerva_equiv']} | "
                f"{s['lmeval_minerva_equiv']} | {s['hendrycks_equiv']} | {s['lmeval_hendrycks_exact_match']} | "
                f"{s['lmeval_minerva_exact_match']} | {s['math_verify']} |")

    if diffs:
        rows = "\n".join(f"| `{i}` | {w} | `{c}` | {'T' if t else '.'} | {'T' if g else '.'} |"
                         for i, w, c, t, g in diffs)
        table_note = ("These rows differ from the marks of the study's §4.7 table (the study did not state its "
                      "exact strings; the rows here are what the code gives for exactly these):\n\n"
                      "| id | case | column | table | here |\n| --- | --- | --- | --- | --- |\n" + rows)
    else:
        table_note = (f"All {n_table} `verifiers_md_4_7` rows agree with the marks of the study's §4.7 table in all "
                      "five of its columns that are recorded here.")
    v = ver
    text = f"""# VerifiersTests fixtures

Reference data for the GSM8K and MATH answer verifiers. Every file here is written by one script,
run from the repository root with the Python of a virtual environment that has the reference
packages (the script's docstring has the exact install command):

    python scripts/make_math_verifier_fixtures.py --data path/to/data --out Tests/VerifiersTests/Fixtures

`--data` is a folder holding `gsm8k/model_solutions_dev.jsonl` and `math/math500_test.jsonl` (the
public GSM8K and MATH-500 sets); only the script reads it, the tests read the copies here. Deterministic: the same library versions give the same bytes. Nothing is downloaded.

Library versions used: Python {v['python']}, lm-eval {v['lm_eval']}, math-verify {v['math-verify']}
(latex2sympy2_extended {v['latex2sympy2_extended']}), sympy {v['sympy']}, antlr4-python3-runtime
{v['antlr4-python3-runtime']} (sympy's `parse_latex` needs 4.11), numpy {v['numpy']}, PyYAML {v['PyYAML']}.
Verdicts that go through sympy or math-verify (`minerva_equiv`, `lmeval_minerva_equiv`,
`lmeval_minerva_exact_match`, `math_verify`) can change with these versions; the string verdicts cannot.

## Licences

| file | content from | licence |
| --- | --- | --- |
| `gsm8k_model_solutions.jsonl` | openai/grade-school-math @ 3101c7d5072418e28b9008a6636bde82a006892c: `grade_school_math/data/example_model_solutions.jsonl` joined with `test.jsonl` | MIT, Copyright (c) 2021 OpenAI |
| `math500.jsonl` | openai/prm800k `prm800k/math_splits/test.jsonl` (MATH-500), a subset of the MATH dataset (Hendrycks et al. 2021) | MIT: prm800k Copyright (c) 2023 OpenAI; MATH dataset MIT, Copyright (c) 2021 Dan Hendrycks |
| `math_reference_verdicts.jsonl` | responses: MATH-500 solutions (as above) plus cases written for this project; verdicts computed by the code below | MATH-500 text MIT as above; the rest is this project's |
| `gsm8k_reference_verdicts.jsonl` | cases written for this project; verdicts computed by the code below | this project's |

Reference code used (run, not copied, except the two functions written out in the script):
EleutherAI lm-evaluation-harness (MIT), HuggingFace Math-Verify (Apache-2.0), the Minerva
normalisation from Lewkowycz et al. 2022 appendix D, allenai/open-instruct (Apache-2.0).

MIT notice for the OpenAI and MATH data: Permission is hereby granted, free of charge, to any person
obtaining a copy of this software and associated documentation files (the "Software"), to deal in the
Software without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions: The above copyright notice and
this permission notice shall be included in all copies or substantial portions of the Software. THE
SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.

## `gsm8k_model_solutions.jsonl` ({ss['rows']} rows)

GPT-3 solutions to the first 660 GSM8K test questions, four models per question, labelled by OpenAI.
Row *i* (i = 0…599) is row `floor(i * 2640 / 600)` of the 2640-row flattened file, so every model and
most questions appear. Fields: `id` (`gsm8k_test{{index}}_gpt3_{{model}}`), `answer_number` (gold
number, commas removed), `response`, `openai_is_correct`; rows with i % 6 == 0 ({ss['with_answer']} rows) also
carry `answer`, the full gold solution ending in `#### N`.

The responses end in `A: N` and never contain `####`. Observed with the references below:
{ss['openai_correct']} rows are labelled correct; lm-eval `strict-match` finds an answer in {ss['strict_found']};
lm-eval `flexible-extract` + exact_match agrees with `openai_is_correct` on {ss['flexible_agrees']}/{ss['rows']};
open-instruct GSM8KVerifier agrees on {ss['open_instruct_agrees']}/{ss['rows']} (pre-#1530 regex:
{ss['open_instruct_pre1530_agrees']}/{ss['rows']}).

## `math500.jsonl` (500 rows)

All of MATH-500: `unique_id`, `answer` (gold, LaTeX), `solution` (ends in `\\boxed{{...}}`).

## `math_reference_verdicts.jsonl`

One row per (response, gold) pair. `source` is `math500` (500 rows: every MATH-500 `solution` against its
own `answer`, `id` = `unique_id`), `verifiers_md_4_7` ({n_table} rows: the tricky-case table, §4.7, of
the verifier study `shared/reference/verifiers.md`, written out as concrete responses) or `adversarial` ({n_adv} designed cases).
`gold` is always a bare answer (not boxed).

| column | meaning (reference) |
| --- | --- |
| `response`, `gold`, `why` | the case; `why` says what it tests |
| `last_boxed` | `last_boxed_only_string(response)` (lm-eval hendrycks_math/minerva_math utils, identical): `"\\boxed "` anywhere wins (text to the next `$`); else last `\\boxed`, else last `\\fbox`, braces counted without escapes; `null` if none or unterminated |
| `boxed_answer` | `remove_boxed(last_boxed)`; `null` when it raises (`\\fbox`) or there is no box |
| `extracted` / `extracted_from` | the prediction compared below: `boxed_answer` if not null (`"boxed"`), else the Minerva line `get_unnormalized_answer(response)` (`Final Answer: The final answer is(.*?). I hope it is correct.`, after appending "I hope it is correct.") when found (`"final_answer_line"`), else `null` (then every verdict below except `math_verify` and `lmeval_hendrycks_exact_match` is false) |
| `minerva_normalized_pred` / `_gold` | **classic** Minerva `normalize_final_answer` (Lewkowycz et al. 2022 App. D = lm-eval ≤ 0.4.9.1 = open-instruct), written out in the script, applied to `extracted` / `gold` |
| `minerva_string_equal` | the two classic-normalised strings are equal (portable, exact) |
| `minerva_equiv` | classic Minerva verdict: `minerva_string_equal` or sympy equivalence (`lm_eval...minerva_math.utils.is_equiv`: `parse_latex` both, `simplify(a-b) == 0`; a parse failure is false) |
| `lmeval_minerva_normalized_pred` / `_gold` | lm-eval {v['lm_eval']}'s **modified** `normalize_final_answer` (whole-word unit removal outside LaTeX commands, `\\sqrt[n]`, commas only for thousands groups) |
| `lmeval_minerva_equiv` | lm-eval {v['lm_eval']}'s `is_equiv` on those (identical strings short-circuit to true, else sympy) |
| `hendrycks_stripped_pred` / `_gold` | `strip_string` (lm-eval hendrycks_math utils = MATH paper); `null` when it raises |
| `hendrycks_equiv` | `is_equiv(extracted, gold)` of hendrycks_math utils: stripped strings equal; if `strip_string` raises, raw equality |
| `lmeval_hendrycks_exact_match` | lm-eval `hendrycks_math` task's own `process_results` with solution `\\boxed{{gold}}`: the prediction is the text between the first and last `$` of the response (the whole response if it has fewer than two), then `is_equiv`. No box extraction at all |
| `lmeval_minerva_exact_match` | lm-eval `minerva_math` task's own `process_results` `exact_match`: only the `Final Answer:` line is read (no box), lm-eval {v['lm_eval']} normaliser and `is_equiv` |
| `math_verify` | `math_verify.verify(parse("\\boxed{{" + gold + "}}"), parse(response))` with default settings (also checked equal to lm-eval minerva_math's `math_verify` metric for that document) |
| `math_verify_extracted` | the string math-verify's `parse(response)` settled on (its last element), `null` if nothing was found |
| `math_verify_value` | `str()` of the sympy value `parse(response)` returned (sympy's printing), `null` when parse found a string but could not convert it (then `verify` compares raw strings: a boxed `\\%` is such a case) |

Counts of true verdicts:

| source | rows | minerva_string_equal | minerva_equiv | lmeval_minerva_equiv | hendrycks_equiv | lmeval_hendrycks_exact_match | lmeval_minerva_exact_match | math_verify |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
{mrow('math500', ms['math500'])}
{mrow('verifiers_md_4_7', ms['verifiers_md_4_7'])}
{mrow('adversarial', ms['adversarial'])}

The study's §4.7 columns minerva, min_str, hendrycks, math_verify and lm-eval 0.4.13 are
`minerva_equiv`, `minerva_string_equal`, `hendrycks_equiv`, `math_verify` and `lmeval_minerva_equiv` here
(its open_instr column is not recorded). {table_note}

The classic normaliser written out in the script was checked once, when the script was written
(not by the script itself), to give the same strings as lm-eval
0.4.9.1's `normalize_final_answer` on every gold, extracted answer and response here and on the last 200
characters of every solution of the 5000-problem MATH test set.

## `gsm8k_reference_verdicts.jsonl` ({gs['rows']} rows)

Designed GSM8K responses against a gold number. lm-eval settings are read from the installed
`lm_eval/tasks/gsm8k/gsm8k.yaml` and `gsm8k-cot.yaml`; filters run through lm-eval's filter registry
(`regex` = `lm_eval.filters.extraction.RegexFilter`, then `take_first`); the metric is
`lm_eval.api.metrics.exact_match_hf_evaluate` with the yaml's `regexes_to_ignore` (`,`, `\\$`,
`(?s).*#### `, `\\.$`), `ignore_case: true`, `ignore_punctuation: false`.

| column | meaning (reference) |
| --- | --- |
| `response`, `gold`, `why` | the case; `gold` is the gold number as open-instruct's label |
| `lmeval_target` | the reference text lm-eval's gsm8k metric compares against (`"#### " + gold` unless the case says otherwise; lm-eval's real target is the full solution, and `(?s).*#### ` reduces both to the number) |
| `strict_match` | gsm8k `strict-match`: first `#### (\\-?[0-9\\.\\,]+)` group, `.strip()`; `[invalid]` if none |
| `strict_exact_match` | exact_match(`strict_match`, `lmeval_target`) |
| `flexible_extract` | gsm8k `flexible-extract`: last match of `(-?[$0-9.,]{{2,}})\\|(-?[0-9]+)`, first non-empty group, `.strip()` |
| `flexible_exact_match` | exact_match(`flexible_extract`, `lmeval_target`) |
| `cot_strict_match` / `cot_strict_exact_match` | gsm8k-cot `strict-match`: first `The answer is (\\-?[0-9\\.\\,]+).` group (the final `.` is any character); exact_match against `gold` (gsm8k-cot's target is the bare number) |
| `open_instruct_extracted` / `open_instruct` | open-instruct GSM8KVerifier @e6c3044 (`open_instruct/ground_truth_utils.py`): `re.sub(r"(\\d),(\\d)", r"\\1\\2", pred)`, last of `re.findall(r"[-+]?(?:\\d*\\.\\d+\\|\\d+)")` (else the whole response), lower-cased string equality with `gold` |
| `open_instruct_pre1530_extracted` / `open_instruct_pre1530` | the same before PR #1530 (2026-03-20): regex `[-+]?\\d*\\.\\d+\\|\\d+`, where the sign binds only to decimals (`-18` extracts `18`, `+18` extracts `18`); open-instruct used this regex from its first RLVR code (2024-11-20, Tulu 3) until #1530 |

Python's `\\d` matches any Unicode decimal digit (fullwidth, Arabic-Indic); lm-eval's `[0-9]` does not.

Counts of true verdicts: strict {gs['strict_exact_match']}, flexible {gs['flexible_exact_match']}, gsm8k-cot strict
{gs['cot_strict_exact_match']}, open-instruct {gs['open_instruct']}, open-instruct pre-#1530 {gs['open_instruct_pre1530']}
(of {gs['rows']}).
"""
    (out / "README.md").write_text(text, encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
