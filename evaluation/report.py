"""report.md and report.html: the metrics table, plots and the failed cases of a run."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Metrics shown as whole numbers; every other metric is a fraction between 0 and 1.
COUNTS = {"latency_p50_ms", "latency_p95_ms", "cases"}


def format_value(name: str, value: float | None) -> str:
    """A metric as shown in tables: milliseconds and counts whole, fractions to three places."""
    if value is None:
        return "—"
    return f"{value:.0f}" if name in COUNTS else f"{value:.3f}"


def failed_cases(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answerable cases without the answer or refused, and unanswerable cases answered."""
    failed = []
    for row in rows:
        m = row["metrics"]
        if row["answerable"] and (m.get("refused") or m.get("contains_answer", 1.0) == 0.0):
            failed.append(row)
        elif not row["answerable"] and not m.get("refused"):
            failed.append(row)
    return failed


def markdown(report: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    lines = [f"# Evaluation: {report['testset']}", "", f"{report['created']} · {len(rows)} cases · "
             f"answerer `{report['settings']['answerer']}` · index version {report['index_version']}", "",
             "| metric | value |", "|---|---|"]
    lines += [f"| {name} | {format_value(name, value)} |" for name, value in report["metrics"].items()]
    failed = failed_cases(rows)
    lines += ["", f"## Failed cases ({len(failed)})", ""]
    for row in failed:
        expected = "; ".join(row["reference_answers"]) or "(not answerable)"
        lines.append(f"- **{row['id']}** {row['question']}  \n  expected: {expected}  \n  got: {row['answer']}")
    return "\n".join(lines) + "\n"


def _png(figure) -> str:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def plots(report: dict[str, Any], rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Metric bars, the latency histogram and evidence scores of answerable vs unanswerable cases."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = {}
    quality = {k: v for k, v in report["metrics"].items() if k not in COUNTS and 0.0 <= v <= 1.0}
    figure, axis = plt.subplots(figsize=(7, max(2.5, 0.3 * len(quality))))
    axis.barh(list(quality), list(quality.values()), color="#4a7bb7")
    axis.set_xlim(0, 1)
    axis.invert_yaxis()
    axis.set_title("metrics")
    images["metrics"] = _png(figure)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(6, 3))
    axis.hist([r["latency_ms"] for r in rows], bins=20, color="#6a9f58")
    axis.set_xlabel("latency (ms)")
    axis.set_ylabel("cases")
    images["latency"] = _png(figure)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(6, 3))
    groups = {
        "answerable": [r["evidence"] for r in rows if r["answerable"] and r.get("evidence") is not None],
        "unanswerable": [r["evidence"] for r in rows if not r["answerable"] and r.get("evidence") is not None],
    }
    axis.hist([g for g in groups.values()], bins=20, range=(0, 1), label=list(groups), color=["#4a7bb7", "#c4553b"])
    axis.axvline(report["settings"]["min_evidence"], color="black", linestyle="--", label="refusal threshold")
    axis.set_xlabel("evidence score")
    axis.legend()
    images["evidence"] = _png(figure)
    plt.close(figure)
    return images


def html_report(report: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    e = html.escape
    images = plots(report, rows)
    table = "".join(f"<tr><td>{e(n)}</td><td>{format_value(n, v)}</td></tr>" for n, v in report["metrics"].items())
    failed = "".join(
        f"<tr><td>{e(r['id'])}</td><td>{e(r['question'])}</td><td>{e('; '.join(r['reference_answers']) or '(not answerable)')}</td>"
        f"<td>{e(r['answer'])}</td></tr>"
        for r in failed_cases(rows)
    )
    figures = "".join(f'<figure><img alt="{e(name)}" src="data:image/png;base64,{data}"><figcaption>{e(name)}</figcaption></figure>' for name, data in images.items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>askdocs evaluation</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}figure{{display:inline-block;margin:1em}}</style></head>
<body><h1>Evaluation: {e(report['testset'])}</h1>
<p>{e(report['created'])} · {len(rows)} cases · answerer <code>{e(report['settings']['answerer'])}</code> · index version {report['index_version']}</p>
<h2>Metrics</h2><table><tr><th>metric</th><th>value</th></tr>{table}</table>
<h2>Plots</h2>{figures}
<h2>Failed cases</h2><table><tr><th>id</th><th>question</th><th>expected</th><th>answer</th></tr>{failed}</table>
</body></html>
"""


def write_reports(report: dict[str, Any], rows: Sequence[dict[str, Any]], out_dir: Path) -> None:
    (out_dir / "report.md").write_text(markdown(report, rows), encoding="utf-8")
    (out_dir / "report.html").write_text(html_report(report, rows), encoding="utf-8")
