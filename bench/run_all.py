"""`make bench` / `python -m bench.run_all`: every benchmark at a modest size, one subprocess each,
then a summary (bench/results/summary.json). `--full` uses each benchmark's own defaults (the sizes
the issues name); `--only purchase sweep` runs a subset.
"""

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench import common

# name → (modest arguments, the figure and goal to show)
BENCHMARKS: dict[str, list[str]] = {
    # issue 10: the product against bare-stack anchors, interleaved (the README's table)
    "stack": ["--seconds", "3", "--rounds", "3", "--purchases", "200"],
    "purchase": ["--purchases", "300", "--concurrency", "50"],
    "sweep": ["--packages", "20000", "--accounts", "1000"],
    "entitlements": ["--apps", "200", "--requests", "2000", "--rounds", "3", "--concurrency", "32"],
    "usage": ["--batches", "30", "--concurrency", "4"],
    "timer_lateness": ["--packages", "30"],
}


def headline(name: str, r: dict) -> str:
    if name == "purchase":
        return (
            f"purchasePackage {r['server']['purchases_per_second']}/s vs bare SQL "
            f"{r['bare_sql_transactions_per_second']}/s: ratio {r['ratio']} (goal {r['goal']}) {r['verdict']}"
        )
    if name == "sweep":
        return (
            f"{r['parameters']['packages']} expiries: sweep {r['sweep']['seconds']} s vs raw UPDATE "
            f"{r['raw_update']['seconds']} s: ratio {r['ratio']}x (goal {r['goal']}) {r['verdict']}; "
            f"verification {'ok' if r['verification']['ok'] else 'FAILED'}"
        )
    if name == "entitlements":
        return (
            f"entitlements {r['entitlements_queries_per_second']}/s vs {{ __typename }} "
            f"{r['typename_queries_per_second']}/s: ratio {r['ratio']} (goal {r['goal']}) {r['verdict']}"
        )
    if name == "usage":
        return (
            f"recordUsage {r['server']['batches_per_second']} batches/s = {r['events_per_second']} events/s "
            f"(goal {r['goal']}) {r['verdict']}"
        )
    if name == "stack":
        return "; ".join(f"{pair} {r['ratio']}x ({r['verdict']})" for pair, r in r["pairs"].items())
    if name == "timer_lateness":
        late = r["lateness_seconds"]
        return (
            f"deferred-job transitions: lateness p50 {late['p50']} s, p95 {late['p95']} s, max {late['max']} s "
            f"({r['transitions_seen']}/{r['parameters']['packages']} seen; cron period "
            f"{r['reference_cron_period_seconds']} s) {r['verdict']}"
        )
    return json.dumps(r)[:200]


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="each benchmark's default (issue-sized) parameters")
    p.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS), help="run only these")
    args = p.parse_args()
    names = args.only or list(BENCHMARKS)
    summary, failed = {}, []
    for name in names:
        argv = [] if args.full else BENCHMARKS[name]
        print(f"\n=== bench.{name} {' '.join(argv)}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}", *argv], cwd=common.ROOT)
        seconds = round(time.perf_counter() - started, 1)
        path = common.RESULTS / f"{name}.json"
        if code != 0 or not path.exists():
            failed.append(name)
            summary[name] = {"exit_code": code, "wall_seconds": seconds}
            continue
        result = json.loads(path.read_text())
        summary[name] = {
            "headline": headline(name, result),
            "ratio": result.get("ratio"),
            "verdict": result.get("verdict"),
            "wall_seconds": seconds,
            "arguments": argv,
        }
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    (common.RESULTS / "summary.json").write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": common.machine(),
                "full": args.full,
                "benchmarks": summary,
            },
            indent=2,
        )
        + "\n"
    )
    print("\n=== summary")
    for name, s in summary.items():
        print(f"{name:13} {s.get('headline') or 'FAILED (exit ' + str(s['exit_code']) + ')'}  [{s['wall_seconds']} s]")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
