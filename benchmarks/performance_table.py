#!/usr/bin/env python3
"""Turns the Google Benchmark JSON files of run_benchmarks.sh into the Markdown tables of
docs/performance.md: median ns per new/delete pair (or per concept) and the cost over raw."""
import json
import pathlib
import sys


def medians(path):
    runs = json.loads(path.read_text())["benchmarks"]
    return {r["run_name"]: r["real_time"] for r in runs if r.get("aggregate_name") == "median"}


def main(out_dir):
    results = {p.stem: medians(p) for p in sorted(pathlib.Path(out_dir).glob("*.json"))}
    names = list(results["raw-system"].keys())
    for backend in ("system", "mimalloc"):
        raw = results[f"raw-{backend}"]
        configs = [c for c in results if c.startswith(f"hooks-{backend}-")]
        configs.sort(key=lambda c: (c.endswith("batched"), ["off", "alloc", "all"].index(c.split("-")[2])))
        print(f"\n### Backend: {backend}\n")
        print("| benchmark | raw ns | " + " | ".join(c.removeprefix(f"hooks-{backend}-") for c in configs) + " |")
        print("|---|---:|" + "---:|" * len(configs))
        for name in names:
            base = raw[name]
            cells = []
            for c in configs:
                value = results[c][name]
                cells.append(f"{value:.1f} (+{value - base:.1f}, {value / base:.2f}x)")
            print(f"| {name.replace('/real_time', '')} | {base:.1f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build-bench/results")
