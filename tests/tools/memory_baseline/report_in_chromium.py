#!/usr/bin/env python3
"""Writes report.html from the fixture results, opens it in headless Chromium, and checks that
every chart was drawn with the expected series (the page lists them in #chart-status).
Usage: report_in_chromium.py RESULTS WORK_DIR RUNNER...   (RUNNER: the command, e.g. wine memory_baseline.exe)"""
import html
import json
import pathlib
import re
import shutil
import subprocess
import sys

EXPECTED = {
    "latency-concepts": ["system 100 concepts", "mimalloc 100 concepts"],
    "memory-concepts": ["system RSS", "system live bytes", "mimalloc RSS", "mimalloc live bytes"],
    "latency-fragmentation": ["system pattern", "mimalloc pattern"],
    "memory-fragmentation": ["system RSS", "system live bytes", "mimalloc RSS", "mimalloc live bytes"],
    "bars-peak-rss": ["system", "mimalloc"],
    "bars-reserved-ratio": ["system", "mimalloc"],
}


def charts_in_chromium(page, user_data_dir):
    """Opens the report page in headless Chromium and returns the charts it drew, by id, as the page
    lists them in #chart-status; None when Chromium is not installed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return None
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={user_data_dir}",
         "--virtual-time-budget=10000", "--dump-dom", pathlib.Path(page).resolve().as_uri()],
        check=True, capture_output=True, text=True, timeout=120).stdout
    match = re.search(r'<pre id="chart-status">(.*?)</pre>', dom, re.S)
    status = json.loads(html.unescape(match.group(1))) if match else []
    return {chart["id"]: chart for chart in status}


def verdict(failures, checks):
    """Prints each failure and the count; the exit status."""
    for failure in failures:
        print("FAIL", failure)
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


def main(results, work_dir, *runner):
    work = pathlib.Path(work_dir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    subprocess.run([*runner, "report", results, "--out", str(work)], check=True, stdout=subprocess.DEVNULL)
    drawn = charts_in_chromium(work / "report.html", work / "profile")
    if drawn is None:
        print("0 passed, 1 failed: chromium is not installed (apt-get install chromium)")
        return 1
    failures = []
    for chart_id, labels in EXPECTED.items():
        chart = drawn.get(chart_id)
        if chart is None:
            failures.append(f"{chart_id}: not drawn")
        elif not chart["rendered"]:
            failures.append(f"{chart_id}: canvas has no size")
        elif [s["label"] for s in chart["series"]] != labels:
            failures.append(f"{chart_id}: series {[s['label'] for s in chart['series']]}, expected {labels}")
        elif any(s["points"] == 0 for s in chart["series"]):
            failures.append(f"{chart_id}: a series has no data")
    return verdict(failures, len(EXPECTED))


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
