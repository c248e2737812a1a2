"""Paired rounds: two variants run back to back, the order alternating, and the median round kept.

On the 2-core reference VM either variant alone moves by a third from one run to the next (the
pandas floor read the same file in 2.2-4.4 s minutes apart; the stage's 1-worker run went from
22.7 to 27.9 pages/min), so one run of each can land 1.2x or 2.5x apart. Runs side by side meet
the same conditions; the median round is an actual pair of runs, not a mix of two.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def paired_rounds(run: Callable[[str], dict], pair: Sequence[str], rounds: int) -> list[dict]:
    """`rounds` rounds of `run(name)` for both names of `pair`, in order of running."""
    out = []
    for i in range(rounds):
        order = pair if i % 2 == 0 else pair[::-1]
        out.append({name: run(name) for name in order})
    return out


def median_round(rounds: list[dict], ratio: Callable[[dict], float]) -> dict:
    """The round whose `ratio` is the median one (the lower middle for an even count)."""
    ranked = sorted(rounds, key=ratio)
    return ranked[(len(ranked) - 1) // 2]
