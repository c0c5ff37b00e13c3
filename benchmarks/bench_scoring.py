"""Score aggregation at event scale: 500 entries × 10 judges × 8 criteria, each strategy.

Issue 6 item 10: computing the results takes ≤ 200 ms. One `compute_results` call is timed per
run: reading and checking every score, the judges' totals, the aggregate and the eight
per-criterion aggregates (the tie-break rungs), ranking, awards and the explanation objects.
Building the scorecards is not timed (the caller has them from the database).
"""

from __future__ import annotations

import random
from decimal import Decimal

from benchmarks.common import load_average, md_table, ms, summarize, time_repeated
from harkop.judging.scoring import STRATEGIES, Criterion, Scorecard, compute_results

ENTRIES = 500
JUDGES = 10
CRITERIA = 8
REPEAT = 25
WARMUP = 2
TARGET_SECONDS = 0.200
SEED = 2024


def dataset(seed: int = SEED) -> tuple[list[Criterion], list[Scorecard]]:
    """A rubric of 8 criteria (mixed scales, one in half points) and every judge scoring every entry.

    Each entry has a hidden quality and each judge a harshness, so the strategies disagree a little
    as real panels do, and scores are rounded to each criterion's steps.
    """
    rng = random.Random(seed)
    maxima = [4, 5, 10, 10, 20, 25, 100, Decimal("10")]
    criteria = [Criterion(f"k{i + 1}", rng.randint(1, 5), maxima[i], i + 1) for i in range(CRITERIA)]
    quality = [rng.random() for _ in range(ENTRIES)]
    harshness = [rng.uniform(-0.10, 0.10) for _ in range(JUDGES)]
    cards = []
    for entry in range(ENTRIES):
        for judge in range(JUDGES):
            scores = {}
            for criterion in criteria:
                share = min(1.0, max(0.0, quality[entry] + harshness[judge] + rng.gauss(0, 0.07)))
                maximum = criterion.max_score
                if isinstance(maximum, Decimal):  # a half-point scale: 0, 0.5, ..., 10
                    scores[criterion.id] = Decimal(round(share * float(maximum) * 2)) / 2
                else:
                    scores[criterion.id] = round(share * maximum)
            cards.append(Scorecard(f"judge-{judge}", entry, scores))
    return criteria, cards


def run() -> str:
    """Time compute_results for each strategy and return the markdown section."""
    criteria, cards = dataset()
    load_before = load_average()
    rows = []
    verdicts = []
    for name in sorted(STRATEGIES):
        timings = time_repeated(
            lambda name=name: compute_results(criteria, cards, strategy=name), repeat=REPEAT, warmup=WARMUP
        )
        wall, cpu = summarize(timings.wall), summarize(timings.cpu)
        results = compute_results(criteria, cards, strategy=name)
        shared = sum(1 for r in results.entries if r.rung == "tie")
        rungs = sorted({(r.rung or "").split(":")[0] for r in results.entries if r.rung})
        ok_wall = wall["median"] <= TARGET_SECONDS
        ok_cpu = cpu["median"] <= TARGET_SECONDS
        verdicts.append((ok_wall, ok_cpu))
        rows.append(
            [
                name,
                ms(wall["median"]),
                ms(wall["p95"]),
                ms(wall["max"]),
                ms(cpu["median"]),
                ms(cpu["max"]),
                "yes" if ok_wall else "**no**",
                "yes" if ok_cpu else "**no**",
                f"{len(results.discrepancies())}",
                f"{shared}",
                ", ".join(rungs),
            ]
        )
    load_after = load_average()
    lines = [
        "## Scoring: 500 entries × 10 judges × 8 criteria",
        "",
        f"`harkop.judging.scoring.compute_results` on {len(cards):,} scorecards ({ENTRIES} entries, "
        f"{JUDGES} judges each, {CRITERIA} criteria: {len(cards) * CRITERIA:,} scores), "
        f"{REPEAT} timed runs per strategy after {WARMUP} warm-up runs, one process. "
        f"Target (issue 6): ≤ {TARGET_SECONDS * 1000:.0f} ms, checked on the median wall time and on the "
        "median CPU time of the process. The machine is shared with other work (see the load average "
        "below): when it is busy, wall time includes waiting for a core, and CPU time is the "
        "better measure of the computation itself.",
        "",
        md_table(
            [
                "strategy",
                "wall median",
                "wall p95",
                "wall max",
                "CPU median",
                "CPU max",
                "wall ≤ 200 ms",
                "CPU ≤ 200 ms",
                "discrepancies",
                "shared ranks",
                "rungs used",
            ],
            rows,
        ),
        "",
        f"All strategies within target: wall {'yes' if all(w for w, _ in verdicts) else 'NO'}, "
        f"CPU {'yes' if all(c for _, c in verdicts) else 'NO'}. Data: seeded ({SEED}) "
        "entries with a hidden quality, judges with a harshness, gaussian noise, scores on each "
        "criterion's steps (one half-point scale). Load average before/after: "
        f"{load_before[0]:.2f} / {load_after[0]:.2f}.",
    ]
    return "\n".join(lines)
