#!/usr/bin/env python3
"""Profiles a program, checks profile.json against docs/profile.schema.json with the jsonschema
package (an implementation apart from the runner's own checker), and opens report.html in headless
Chromium: every chart must be drawn with the data the profile holds (one bar per latency bucket,
one point per RSS and live-bytes sample, one per snapshot, one bar per process of the tree), and
the flame graphs with the sites it holds: the peak's, latency's and each snapshot's (the program
runs with --snapshot-every-mb 1).
Usage: profile_report_in_chromium.py RUNNER SCHEMA WORK_DIR PROGRAM [ARGS...]"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import jsonschema

from report_in_chromium import flame_graph_problems, status_in_chromium, verdict


def main(runner, schema_path, work_dir, *program):
    work = pathlib.Path(work_dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # Every allocation's stack: the flame graphs then hold every site, whatever the sampler drew.
    environment = dict(os.environ, ALLOC_HOOKS_SAMPLE_BYTES="1")
    subprocess.run([runner, "profile", "--out", str(work), "--snapshot-every-mb", "1", "--", *program], check=True,
                   stdout=subprocess.DEVNULL, env=environment)
    profile = json.loads((work / "profile.json").read_text())
    failures = []
    schema = json.loads(pathlib.Path(schema_path).read_text())
    # profile.schema.json refers to result.schema.json beside it for the sites.
    sibling = json.loads((pathlib.Path(schema_path).parent / "result.schema.json").read_text())
    resolver = jsonschema.RefResolver.from_schema(schema, store={"result.schema.json": sibling})
    for error in jsonschema.Draft202012Validator(schema, resolver=resolver).iter_errors(profile):
        failures.append(f"profile.json breaks the schema at /{'/'.join(map(str, error.path))}: {error.message}")
    status = status_in_chromium(work / "report.html", work / "chromium")
    if status is None:
        print("0 passed, 1 failed: chromium is not installed (apt-get install chromium)")
        return 1
    drawn, flames = status
    failures += flame_graph_problems(flames, "flame-peak", profile["sites"]["peak_folded"])
    failures += flame_graph_problems(flames, "flame-latency", profile["sites"]["latency_folded"])
    if not profile["sites"]["peak_folded"]:
        failures.append("the profile holds no sampled site: the flame graph test tests nothing")
    if not profile["snapshots"]:
        failures.append("the profile holds no snapshot: the snapshot flame graphs test nothing")
    for snapshot in profile["snapshots"]:
        failures += flame_graph_problems(flames, f"flame-snapshot-{snapshot['index']}", snapshot["live_folded"])
    samples = profile["memory"]["snapshots"]
    memory_series = [("RSS", len(samples))]
    if any(sample["live_bytes"] != 0 for sample in samples):
        memory_series.append(("live bytes", len(samples)))
    if profile["snapshots"]:
        memory_series.append(("snapshots", len(profile["snapshots"])))
    expected = {"latency-histogram": [("allocations", len(profile["alloc_latency_histogram"]))],
                "rss-over-time": memory_series,
                "process-timeline": [("processes", len(profile["processes"]))]}
    for chart_id, series in expected.items():
        chart = drawn.get(chart_id)
        if chart is None or not chart["rendered"]:
            failures.append(f"{chart_id}: not drawn")
        elif [(s["label"], s["points"]) for s in chart["series"]] != series or any(n == 0 for _, n in series):
            failures.append(f"{chart_id}: series {chart['series']}, expected {series}")
    return verdict(failures, len(expected) + 4 + len(profile["snapshots"]))


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
