"""Draw the benchmark figures of bench/results/*.json into one PNG for the README.

Left: each benchmark's ratio against its goal (1.0 = exactly the goal; ≥ 1 meets it). Right:
the rates measured (log scale). Only what the results files hold is drawn.

    .venv/bin/python -m bench.plot [--out docs/benchmarks.png]
"""

import argparse
import json
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.png"
SKIP = {"phases", "machine", "parameters", "server_launch", "verification"}


def load(results: Path = RESULTS) -> dict[str, dict]:
    out = {}
    for path in sorted(results.glob("*.json")):
        data = json.loads(path.read_text())
        if "benchmark" in data:  # summary.json repeats the others
            out[data["benchmark"]] = data
    return out


def goal_score(data: dict) -> tuple[float, str] | None:
    """ratio / goal (or goal / ratio for an upper bound): ≥ 1 meets the goal."""
    match = re.fullmatch(r"\s*(>=|<=)\s*([0-9.]+)\s*", str(data.get("goal", "")))
    ratio = data.get("ratio")
    if not match or not isinstance(ratio, (int, float)) or not ratio:
        return None
    op, goal = match.group(1), float(match.group(2))
    score = ratio / goal if op == ">=" else goal / ratio
    return score, f"{ratio:g} (goal {op} {goal:g})"


def rates(data: dict) -> list[tuple[str, float]]:
    found = []
    for key, value in data.items():
        if key in SKIP:
            continue
        if isinstance(value, (int, float)) and "per_second" in key:
            found.append((key, float(value)))
        elif isinstance(value, dict):
            for sub, v in value.items():
                if isinstance(v, (int, float)) and "per_second" in sub:
                    found.append((f"{key}.{sub}", float(v)))
    return found


def draw(benchmarks: dict[str, dict], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scored = [(name, *s) for name, d in benchmarks.items() if (s := goal_score(d)) is not None]
    measured = [(f"{name}: {key}", v) for name, d in benchmarks.items() for key, v in rates(d)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, max(4.0, 0.42 * max(len(scored), len(measured)) + 1.5)))
    names = [s[0] for s in scored]
    values = [s[1] for s in scored]
    left.barh(names, values, color=["#2e7d32" if v >= 1 else "#ef6c00" for v in values])
    left.axvline(1.0, color="black", linewidth=1, linestyle="--")
    for y, (_, v, label) in enumerate(scored):
        left.text(v, y, f"  {label}", va="center", fontsize=8)
    left.set_xlabel("ratio ÷ goal (≥ 1 meets the goal)")
    left.set_title("Benchmarks against their goals")
    left.set_xlim(0, max([1.6, *values]) * 1.45)
    left.invert_yaxis()
    right.barh([m[0] for m in measured], [m[1] for m in measured], color="#1565c0")
    right.set_xscale("log")
    for y, (_, v) in enumerate(measured):
        right.text(v, y, f"  {v:,.0f}", va="center", fontsize=8)
    right.set_title("Measured rates (per second, log scale)")
    right.tick_params(axis="y", labelsize=8)
    right.invert_yaxis()
    when = max((d.get("measured_at", "") for d in benchmarks.values()), default="")
    fig.suptitle(f"RoomKit Billing benchmarks (bench/results, latest {when[:16]})")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.plot", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args()
    print(draw(load(), args.out))


if __name__ == "__main__":
    main()
