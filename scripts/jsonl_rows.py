"""JSON Lines reading for the development scripts: each non-blank line parsed, numbered from 1, and
a missing file or a line that is not JSON stops the script with the file and line named."""
import json
import sys


def jsonl_rows(path):
    """[(line number, parsed value)] of the file's non-blank lines; exits on a bad file or line."""
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        sys.exit(f"{path}: {getattr(e, 'strerror', None) or e}")
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as e:
            sys.exit(f"{path}:{number}: not JSON ({e.msg})")
    return rows
