"""Load on the HTTP API: concurrent clients asking questions while documents are uploaded.

    .venv/bin/python -m benchmarks.api_load                 # 20 clients x 10 questions, 10 uploads
    .venv/bin/python -m benchmarks.api_load --clients 5 --questions 2 --uploads 2

It starts a real `askdocs serve` on a free loopback port over a fresh data directory holding the
sample corpus (or uses `--url`), then runs, all at once: the clients, each asking its questions one
after the other (the test set's questions, extractive answerer); one uploader, adding documents one
by one; and one prober, searching and listing documents in a loop, to see what an answer in progress
costs a reader. Afterwards every uploaded document must be listed and found by a search for the fact
only it holds. Results: benchmarks/results/api_load.json and a table on stdout (docs/api.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import local_server

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
RESULTS = Path(__file__).resolve().parent / "results"
TIMEOUT = 600.0  # one request, on a loaded 2-core machine


@dataclass
class Tally:
    """Latencies (ms) by kind of request, and every failure seen."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, started: float, response: httpx.Response | None, error: str | None = None) -> None:
        with self.lock:
            if response is not None and response.status_code == 200:
                self.latencies.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            else:
                detail = error or f"{response.status_code if response is not None else '?'} {response.text[:200] if response is not None else ''}"
                self.errors.append(f"{kind}: {detail}")


def upload_text(n: int) -> tuple[str, str, str]:
    """The n-th uploaded document: its name, its text, and a question only it answers."""
    town = f"Velmora-{n:03d}"
    text = (
        f"Harbour notice {n}\n\nThe harbour of {town} reopens on day {n + 1} of the dredging season, once the northern "
        f"basin is cleared. Ferries from {town} resume the following week under pilot {n * 7 + 3}.\n"
    )
    return f"load-notice-{n:03d}.txt", text, f"When does the harbour of {town} reopen?"


def questions_from(testset: Path) -> list[str]:
    return [json.loads(line)["question"] for line in testset.read_text(encoding="utf-8").splitlines() if line.strip()]


def _call(client: httpx.Client, tally: Tally, kind: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        tally.record(kind, started, None, f"{type(exc).__name__}: {exc}")
        return None
    tally.record(kind, started, response)
    return response


def run_load(
    url: str, questions: Sequence[str], clients: int, per_client: int, uploads: int, api_key: str | None = None,
    collection: str = "default",
) -> dict[str, Any]:
    """Run the load against a server; returns latencies, errors and the documents that went missing."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    tally = Tally()
    done = threading.Event()

    def client_run(number: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=TIMEOUT) as client:
            for i in range(per_client):
                question = questions[(number * per_client + i) % len(questions)]
                _call(client, tally, "ask", "POST", "/v1/ask", json={"question": question, "collection": collection})

    def uploader() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=TIMEOUT) as client:
            for n in range(uploads):
                name, text, _ = upload_text(n)
                response = _call(client, tally, "upload", "POST", "/v1/documents", params={"collection": collection},
                                 files=[("files", (name, text.encode(), "text/plain"))])
                if response is not None and response.status_code == 200:
                    statuses = [d["status"] for d in response.json()["documents"]]
                    if statuses != ["added"] and statuses != ["updated"]:
                        with tally.lock:
                            tally.errors.append(f"upload {name}: {statuses}")

    def prober() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=TIMEOUT) as client:
            while not done.is_set():
                _call(client, tally, "search", "GET", "/v1/search", params={"q": "electronic evidence", "collection": collection})
                _call(client, tally, "documents", "GET", "/v1/documents", params={"collection": collection})
                done.wait(0.2)

    load_before = os.getloadavg()
    started = time.perf_counter()
    workers = [threading.Thread(target=client_run, args=(n,)) for n in range(clients)] + [threading.Thread(target=uploader)]
    probe = threading.Thread(target=prober)
    probe.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done.set()
    probe.join()
    seconds = time.perf_counter() - started
    load_after = os.getloadavg()

    lost = []
    with httpx.Client(base_url=url, headers=headers, timeout=TIMEOUT) as client:
        listed = {d["source"] for d in client.get("/v1/documents", params={"collection": collection}).json()["documents"]}
        for n in range(uploads):
            name, _, question = upload_text(n)
            found = client.get("/v1/search", params={"q": question, "k": 3, "collection": collection}).json()["passages"]
            if name not in listed or name not in [p["source"] for p in found]:
                lost.append(name)
    return {
        "clients": clients,
        "questions_per_client": per_client,
        "uploads": uploads,
        "seconds": round(seconds, 1),
        "requests": {kind: len(values) for kind, values in tally.latencies.items()},
        "latency_ms": {kind: percentiles(values) for kind, values in tally.latencies.items()},
        "errors": tally.errors,
        "lost_documents": lost,
        "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
    }


def percentiles(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)

    return {"p50": at(0.5), "p95": at(0.95), "max": round(ordered[-1], 1), "mean": round(statistics.fmean(ordered), 1)}


def table(result: dict[str, Any]) -> str:
    lines = ["| requests | count | p50 ms | p95 ms | max ms |", "|---|---|---|---|---|"]
    for kind in ("ask", "search", "documents", "upload"):
        if kind in result["latency_ms"]:
            p = result["latency_ms"][kind]
            lines.append(f"| {kind} | {result['requests'][kind]} | {p['p50']:,.0f} | {p['p95']:,.0f} | {p['max']:,.0f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="questions each client asks")
    parser.add_argument("--uploads", type=int, default=10, help="documents uploaded during the run")
    parser.add_argument("--url", help="an askdocs server already running (its default collection must hold corpus/)")
    parser.add_argument("--api-key", default=os.environ.get("ASKDOCS_API_KEY", "").split(",")[0] or None)
    args = parser.parse_args(argv)
    questions = questions_from(CORPUS / "testsets" / "dev.jsonl")
    with tempfile.TemporaryDirectory(prefix="askdocs-load-") as folder:
        if args.url:
            result = run_load(args.url, questions, args.clients, args.questions, args.uploads, args.api_key)
        else:
            data = Path(folder) / "data"
            subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", "--data-dir", str(data), "ingest", str(CORPUS)], check=True,
                           stdout=subprocess.DEVNULL)
            with local_server(data) as url:
                result = run_load(url, questions, args.clients, args.questions, args.uploads, args.api_key)
    result["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api_load.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "latency_ms"}, indent=2))
    print(table(result))
    return 0 if not result["errors"] and not result["lost_documents"] else 1


if __name__ == "__main__":
    sys.exit(main())
