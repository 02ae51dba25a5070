#!/usr/bin/env python3
"""Profiles a program, checks profile.json against docs/profile.schema.json with the jsonschema
package (an implementation apart from the runner's own checker), and opens report.html in headless
Chromium: both charts must be drawn with the data the profile holds (one bar per latency bucket,
one point per RSS snapshot).
Usage: profile_report_in_chromium.py RUNNER SCHEMA WORK_DIR PROGRAM [ARGS...]"""
import json
import pathlib
import shutil
import subprocess
import sys

import jsonschema

from report_in_chromium import charts_in_chromium, verdict


def main(runner, schema_path, work_dir, *program):
    work = pathlib.Path(work_dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    subprocess.run([runner, "profile", "--out", str(work), "--", *program], check=True, stdout=subprocess.DEVNULL)
    profile = json.loads((work / "profile.json").read_text())
    failures = []
    schema = json.loads(pathlib.Path(schema_path).read_text())
    for error in jsonschema.Draft202012Validator(schema).iter_errors(profile):
        failures.append(f"profile.json breaks the schema at /{'/'.join(map(str, error.path))}: {error.message}")
    drawn = charts_in_chromium(work / "report.html", work / "chromium")
    if drawn is None:
        print("0 passed, 1 failed: chromium is not installed (apt-get install chromium)")
        return 1
    expected = {"latency-histogram": ("allocations", len(profile["alloc_latency_histogram"])),
                "rss-over-time": ("RSS", len(profile["memory"]["snapshots"]))}
    for chart_id, (label, points) in expected.items():
        chart = drawn.get(chart_id)
        if chart is None or not chart["rendered"]:
            failures.append(f"{chart_id}: not drawn")
        elif [(s["label"], s["points"]) for s in chart["series"]] != [(label, points)] or points == 0:
            failures.append(f"{chart_id}: series {chart['series']}, expected {label} with {points} points")
    return verdict(failures, len(expected) + 1)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
