"""What a new user waits for on the sample corpus: the README's waiting times come from this script.

    .venv/bin/python -m benchmarks.waiting            # writes benchmarks/results/waiting.json
    .venv/bin/python -m benchmarks.waiting --runs 1   # one run of each step (the test's smoke run)

Each step is a new process, as a user starts it, after one untimed run (the files are then in the
page cache, as they are on a machine in use): `askdocs ingest corpus/` into a fresh data
directory, `askdocs ask` (the wall time, and what the answer itself says it spent loading the
models and answering), and `askdocs serve` from start until /readyz says ready, then its first
answer over HTTP.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS, local_server, machine, workdir

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Which law is Kyrgyzstan drafting?"


def _askdocs() -> str:
    return str(Path(sys.executable).parent / "askdocs")


def _seconds(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def _summary(values: Sequence[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3)}


def _serve_until_ready(data: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from `askdocs serve` until /readyz answers 200, then the seconds of its first /v1/ask."""
    import httpx

    started = time.perf_counter()
    with local_server(data, env, poll=0.05) as url:
        ready = time.perf_counter() - started
        asked = time.perf_counter()
        httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=120).raise_for_status()
        return ready, time.perf_counter() - asked


def measure(work: Path, runs: int) -> dict[str, Any]:
    data = work / "data"
    env = {**os.environ, "ASKDOCS_DATA_DIR": str(data), "ASKDOCS_LOG_ANSWERS": "false"}

    def ingest() -> None:
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run([_askdocs(), "ingest", str(ROOT / "corpus")], env=env, capture_output=True, check=True)

    def ask() -> dict[str, float]:
        done = subprocess.run([_askdocs(), "ask", QUESTION, "--json"], env=env, capture_output=True, text=True, check=True)
        return json.loads(done.stdout)["timings_ms"]

    ingest()
    ask()  # untimed: the files are in the page cache from here on
    ingest_s = [_seconds(ingest) for _ in range(runs)]
    asks: list[tuple[float, dict[str, float]]] = []
    for _ in range(runs):
        started = time.perf_counter()
        timings = ask()
        asks.append((time.perf_counter() - started, timings))
    serves = [_serve_until_ready(data, env) for _ in range(runs)]
    help_s = [_seconds(lambda: subprocess.run([_askdocs(), "--help"], capture_output=True, check=True)) for _ in range(runs)]
    return {
        "question": QUESTION,
        "runs": runs,
        "ingest_s": _summary(ingest_s),
        "ask_wall_s": _summary([wall for wall, _ in asks]),
        "ask_load_models_ms": _summary([t.get("load_models", 0.0) for _, t in asks]),
        "ask_answer_ms": _summary([t["total"] for _, t in asks]),
        "serve_ready_s": _summary([ready for ready, _ in serves]),
        "serve_first_answer_s": _summary([first for _, first in serves]),
        "help_s": _summary(help_s),
        "load_average": os.getloadavg()[0],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.waiting", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each step (default 5; the median is reported)")
    parser.add_argument("--out", type=Path, default=RESULTS / "waiting.json")
    args = parser.parse_args(argv)
    with workdir(None, "askdocs-waiting-") as work:
        result = measure(work, args.runs)
    result = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(), **result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
