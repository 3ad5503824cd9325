"""The score per module of the last `mutmut run`, and what each surviving mutant changed.

Run by `make mutation` after `mutmut run`; exits non-zero when a module scores below
`--minimum` percent. Killed and timed-out mutants count as killed; a mutant that no
test reaches counts as a survivor.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files

KILLED = frozenset({"killed", "timeout", "caught by type check"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minimum", type=float, default=85.0, help="lowest passing score (%%)")
    minimum = parser.parse_args().minimum
    failing = []
    survivors: list[tuple[str, Path, str]] = []
    print(f"{'module':<45} {'mutants':>7} {'killed':>6} {'score':>6}")
    for path in sorted(walk_mutatable_files()):
        data = SourceFileMutationData(path=path)
        data.load()
        if not data.exit_code_by_key:
            continue
        statuses: Counter[bool] = Counter()
        for name, exit_code in sorted(data.exit_code_by_key.items()):
            status = status_by_exit_code[exit_code]
            statuses[status in KILLED] += 1
            if status not in KILLED:
                survivors.append((name, path, status))
        total = sum(statuses.values())
        score = 100 * statuses[True] / total
        print(f"{path!s:<45} {total:>7} {statuses[True]:>6} {score:>5.1f}%")
        if score < minimum:
            failing.append(str(path))
    for name, path, status in survivors:
        print(f"\n# {name} ({status})")
        print(get_diff_for_mutant(name, path=path).rstrip())
    if failing:
        print(f"\nbelow {minimum:g}%: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
