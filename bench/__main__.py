"""``python -m bench [NAME ...]``: run the benchmarks (all by default); tables print and land in bench/results/."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"


def available() -> list[str]:
    return sorted(p.stem[: -len("_bench")] for p in HERE.glob("*_bench.py"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("names", nargs="*", help=f"benchmarks to run (default all): {', '.join(available())}")
    ap.add_argument("--quick", action="store_true", help="smaller samples, for a smoke run")
    args = ap.parse_args(argv)
    names = args.names or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; valid: {available()}", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    failed = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(f"bench.{name}_bench")
            table = mod.run(args)
        except Exception:  # one broken benchmark must not hide the others
            traceback.print_exc()
            failed.append(name)
            continue
        print(table)
        from toolkit.atomic import write_text

        write_text(RESULTS / f"{name}.md", f"# {name}\n\n{table}\n")
        print(f"({name}: {time.perf_counter() - t0:.1f} s)")
    if failed:
        print(f"failed: {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
