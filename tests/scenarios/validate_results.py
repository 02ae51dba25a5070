#!/usr/bin/env python3
"""Runs every scenario executable under every allocator (and once with impossible budgets), and
validates each result document against docs/result.schema.json.
Usage: validate_results.py SCHEMA WORK_DIR ALLOCATORS PROGRAM...
ALLOCATORS is a comma-separated list (those the build has). With INDEX_PROGRAM and INDEX_ENGINES in
the environment (scenario_vector_index and its engines), every index engine runs too, small.
PROGRAM is the command that runs one scenario, "{name}" standing for its name, e.g.
build/bin/scenario_{name}, or wine build-windows/bin/scenario_{name}.exe"""
import json
import os
import pathlib
import subprocess
import sys

import jsonschema


def main(schema_path, work_dir, allocators, *program):
    schema = json.loads(pathlib.Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    work = pathlib.Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    seed_scenarios = [name for name in os.environ["SEED_SCENARIOS"].split(",") if name]
    runs = [(name, allocator, []) for name in seed_scenarios for allocator in allocators.split(",")]
    runs.append(("concepts", "system", ["--limit-mb", "0", "--alloc-budget-us", "0"]))
    index_program = os.environ.get("INDEX_PROGRAM", "")
    index_engines = [engine for engine in os.environ.get("INDEX_ENGINES", "").split(",") if engine]
    if index_program:
        runs += [(f"index-{engine}", allocator, []) for engine in index_engines
                 for allocator in allocators.split(",")]
        runs.append(("index-hnswlib", "system", ["--limit-mb", "8", "--alloc-budget-us", "0"]))
    # A normal run's exit status must depend on what it allocates alone: time budgets of an hour,
    # longer than this test's timeout (a preempted allocation on a shared machine must not fail a
    # schema test), and the RSS part of the seed scenarios' memory budgets out of reach (RSS moves
    # with whatever else runs in the process, docs/runner.md). The index has no RSS budget, and a
    # reserved-bytes ratio has no meaning for its phases (no exact expectation). The breach runs
    # bring their own impossible budgets.
    counts_only = work / "counts_only_budgets.json"
    counts_only.write_text('{"alloc_budget_us": 3600000000, "iteration_budget_ms": 3600000, '
                           '"reserved_ratio_limit": 1000000, "growth_limit_mb": 1000000000}')
    failures = 0
    for name, allocator, extra in runs:
        result = work / f"{name}-{allocator}{'-breach' if extra else ''}.json"
        if extra:
            budgets = extra
        elif name.startswith("index-"):
            budgets = ["--alloc-budget-us", "3600000000"]
        else:
            budgets = ["--budgets", str(counts_only)]
        if name.startswith("index-"):
            # Through the same launcher as PROGRAM (wine for the Windows programs), if any.
            command = [*program[:-1], index_program, "--engine", name[len("index-"):], "--n", "1000",
                       "--queries", "20"]
        else:
            command = [word.replace("{name}", name) for word in program] + ["--iterations", "3"]
        command += ["--allocator", allocator, "--json", str(result), *budgets]
        run = subprocess.run(command, capture_output=True, text=True, check=False)
        status = run.returncode
        if status != (1 if extra else 0):
            print(f"FAIL {result.name}: exit status {status}")
            print(run.stdout[-2000:], run.stderr[-2000:], sep="\n")
            failures += 1
            continue
        errors = sorted(validator.iter_errors(json.loads(result.read_text())), key=str)
        for error in errors:
            print(f"FAIL {result.name}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
        failures += bool(errors)
        if not errors:
            print(f"ok   {result.name}")
    print(f"{len(runs) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
