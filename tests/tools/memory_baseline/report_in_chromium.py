#!/usr/bin/env python3
"""Writes report.html from the fixture results, opens it in headless Chromium, and checks that
every chart was drawn with the expected series (the page lists them in #chart-status), that the
verdict summary's relative bars and the sweep's points drew the values the results hold, and that
the flame graphs drew the sites the results hold (#flame-status).
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
    **{f"relative-{figure}": ["system", "mimalloc"] for figure in range(5)},
    **{f"sweep-{engine}": ["system peak RSS", "system fit", "mimalloc peak RSS", "mimalloc fit",
                           "peak live bytes fit", "1024 MiB budget"]
       for engine in ("hnswlib", "faiss-ivfpq")},
}


def drawn_values_problems(results, drawn):
    """What the relative-bar and sweep charts drew that the results do not hold."""
    problems = []
    runs = {(run["scenario"], run["allocator"]["name"]): run for run in results["runs"]}
    scenarios = list(dict.fromkeys(run["scenario"] for run in results["runs"]))
    # relative-0 is peak RSS: each allocator's over the system allocator's, per scenario.
    chart = drawn.get("relative-0")
    if chart:
        for series in chart["series"]:
            expected = [runs[(s, series["label"])]["process"]["peak_rss_bytes"] /
                        runs[(s, "system")]["process"]["peak_rss_bytes"] for s in scenarios]
            if any(abs(a - b) > 1e-9 for a, b in zip(series["values"], expected)):
                problems.append(f"relative-0 {series['label']}: drew {series['values']}, results {expected}")
    for engine in ("hnswlib", "faiss-ivfpq"):
        chart = drawn.get(f"sweep-{engine}")
        if not chart:
            continue
        for series in chart["series"]:
            if not series["label"].endswith(" peak RSS"):
                continue
            allocator = series["label"][: -len(" peak RSS")]
            expected = [point["peak_rss_bytes"] / 1024 / 1024 for point in results["sweep"]["points"]
                        if point["engine"] == engine and point["allocator"] == allocator]
            if any(abs(a - b) > 1e-9 for a, b in zip(series["values"], expected)) or len(expected) != len(series["values"]):
                problems.append(f"sweep-{engine} {allocator}: drew {series['values']}, results {expected}")
        budget = [s for s in chart["series"] if s["label"] == "1024 MiB budget"]
        if budget and budget[0]["values"] != [1024, 1024]:
            problems.append(f"sweep-{engine}: budget line at {budget[0]['values']}")
    return problems


def flame_graph_problems(flames, graph_id, folded):
    """What flame graph `graph_id` drew that the folded stacks do not hold: its total must be their
    sum, and every stack's frames must be drawn at their depth with at least the stack's value."""
    graph = flames.get(graph_id)
    total = sum(value for _, value in folded if value > 0)
    if graph is None:
        return [f"{graph_id}: not drawn"]
    if graph["total"] != total:
        return [f"{graph_id}: drew a total of {graph['total']}, the results hold {total}"]
    if total > 0 and not graph["rendered"]:
        return [f"{graph_id}: nothing rendered"]
    drawn = {}
    for frame in graph["frames"]:
        key = (frame["name"], frame["level"])
        drawn[key] = drawn.get(key, 0) + frame["value"]
    problems = []
    for stack, value in folded:
        if value <= 0:
            continue
        for level, name in enumerate(stack.split(";"), start=1):
            if drawn.get((name, level), 0) < value:
                problems.append(f"{graph_id}: {name} at depth {level} of {stack} ({value}) not drawn")
                break
    return problems


def charts_in_chromium(page, user_data_dir):
    """The charts the report page drew, by id (#chart-status); None without Chromium."""
    status = status_in_chromium(page, user_data_dir)
    return None if status is None else status[0]


def status_in_chromium(page, user_data_dir):
    """Opens the report page in headless Chromium and returns what it drew: the charts and the flame
    graphs, each by id, as the page lists them in #chart-status and #flame-status; None when
    Chromium is not installed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return None
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={user_data_dir}",
         "--virtual-time-budget=10000", "--dump-dom", pathlib.Path(page).resolve().as_uri()],
        check=True, capture_output=True, text=True, timeout=120).stdout
    statuses = []
    for element in ("chart-status", "flame-status"):
        match = re.search(rf'<pre id="{element}">(.*?)</pre>', dom, re.S)
        try:
            status = json.loads(html.unescape(match.group(1))) if match else []
        except json.JSONDecodeError:  # the script did not run to its end
            status = []
        statuses.append({drawn["id"]: drawn for drawn in status})
    return statuses


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
    status = status_in_chromium(work / "report.html", work / "profile")
    if status is None:
        print("0 passed, 1 failed: chromium is not installed (apt-get install chromium)")
        return 1
    drawn, flames = status
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
    document = json.loads(pathlib.Path(results).read_text())
    failures += drawn_values_problems(document, drawn)
    # The flame graphs of the concepts scenario: its first run's case with the highest peak, and the
    # latency of all that run's cases.
    run = next(run for run in document["runs"] if run["scenario"] == "concepts")
    highest = max(run["cases"], key=lambda case: case["peak_live_bytes"])
    latency = [stack for case in run["cases"] for stack in case["sites"]["latency_folded"]]
    failures += flame_graph_problems(flames, "flame-concepts-peak", highest["sites"]["peak_folded"])
    failures += flame_graph_problems(flames, "flame-concepts-latency", latency)
    if not highest["sites"]["peak_folded"]:
        failures.append("the fixture's concepts case has no sites: the flame graph test tests nothing")
    return verdict(failures, len(EXPECTED) + 3)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
