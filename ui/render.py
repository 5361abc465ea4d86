"""Answers, citations, ingest reports and evaluation results as HTML: pure functions, every text escaped.

Document text is untrusted: a file may hold `<script>` or `<img onerror=...>`. Everything that comes
from a document, a question or a file name goes through `escape()`, which also turns Markdown and
LaTeX syntax into character references, so the chat's Markdown renderer shows it as typed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.models import Answer, Citation, Related
from assistant.text import locate

# HTML's own specials, plus what Markdown, the chat's LaTeX finder or a template would act on.
_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "&<>\"'`\\*_[]#$~|{}"}
_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
STATUS_ORDER = ("failed", "skipped", "added", "updated", "removed", "unchanged")


def escape(text: str) -> str:
    """`text` as inert HTML: every character that markup, Markdown or LaTeX would act on as a reference."""
    return text.translate(_ENTITIES)


def anchor(answer_id: str, n: int) -> str:
    """The element id of citation `n` of an answer in the sources panel."""
    return f"cite-{re.sub(r'[^A-Za-z0-9_-]', '', answer_id)}-{n}"


def highlight(passage: str, quote: str) -> str:
    """The passage, escaped, with the quote that supports the answer in <mark>."""
    found = locate(quote.strip().strip("…").strip(), passage)
    if found is None:
        return escape(passage)
    start, end = found
    return f"{escape(passage[:start])}<mark>{escape(passage[start:end])}</mark>{escape(passage[end:])}"


def markers_to_links(text: str, answer_id: str) -> str:
    """The answer text, escaped, each [n] marker a link to its source in the sources panel."""
    parts: list[str] = []
    last = 0
    for match in _MARKER.finditer(text):
        parts.append(escape(text[last : match.start()]))
        numbers = [int(n) for n in re.split(r"\s*,\s*", match.group(1))]
        links = ", ".join(
            f'<a class="askdocs-cite" href="#{anchor(answer_id, n)}" '
            f'title="Show source {n}">{n}</a>'
            for n in numbers
        )
        parts.append(f" <sup>&#91;{links}&#93;</sup>")
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


def streaming_html(text: str, waiting: str = "") -> str:
    """Text as it is being generated: escaped, markers left as they are; before any, what it waits for."""
    if not text and waiting:
        return f'<span class="askdocs-waiting">{escape(waiting)}</span> ▍'
    return escape(text) + " ▍"


def notice_html(message: str) -> str:
    """A message about what the user asked for (nothing chosen, a file that cannot be read): no error badge."""
    return f'<p class="askdocs-notice" role="status">{escape(message)}</p>'


def loading_html(detail: str) -> str:
    """The notice shown while the server loads its models: questions can be asked once it is gone."""
    return (
        '<div class="askdocs-loading" role="status"><span class="askdocs-spinner"></span><strong>Loading models</strong> — '
        f"{escape(detail or 'the embedding model')}. Questions can be asked as soon as this is done.</div>"
    )


def answer_html(answer: Answer) -> str:
    """The chat bubble of a final answer: linked markers, the answer phrase marked, or a refusal that says so."""
    if answer.refused:
        note = " Related passages are listed under Sources." if answer.related else ""
        return f'<span class="askdocs-refusal">⚠ {escape(answer.text)}</span><em>{escape(note)}</em>'
    found = _span_in_text(answer)
    if found is None:
        return markers_to_links(answer.text, answer.id)
    start, end = found
    return (
        markers_to_links(answer.text[:start], answer.id)
        + f'<mark class="askdocs-span" title="The answer">{escape(answer.text[start:end])}</mark>'
        + markers_to_links(answer.text[end:], answer.id)
    )


def _span_in_text(answer: Answer) -> tuple[int, int] | None:
    """Where the answer phrase stands in the answer text: inside the quote of the citation it names, or
    in the release heading shown just before that quote."""
    span = answer.answer_span
    if span is None or not span.text:
        return None
    citation = next((c for c in answer.citations if c.n == span.citation), None)
    # The quote starts where its first words do (a trimmed quote is shown after an ellipsis).
    lead = " ".join(citation.quote.split()[:4]) if citation else ""
    after = max(answer.text.find(lead) if lead else 0, 0)
    start = answer.text.find(span.text, after)
    if start < 0:  # a release heading, between the previous quote's marker and this quote
        marker = answer.text.rfind("]", 0, after)
        start = answer.text.find(span.text, marker + 1, after)
    return None if start < 0 else (start, start + len(span.text))


def where(start: int, end: int, page: int | None, label: str | None = None) -> str:
    """Where a passage is: its characters, and its page (or the slide, sheet or chapter it is on)."""
    place = label or (f"page {page}" if page is not None else None)
    return f"chars {start}–{end}" + (f", {place}" if place else "")


def _rank(rank: int) -> str:
    """Where a passage came in the search, in words (the fused score ranks, it is no probability)."""
    return f'<span title="its place among the passages the search found">{"best match" if rank == 1 else f"match #{rank}"}</span>'


def citation_html(answer_id: str, citation: Citation) -> str:
    """One numbered source: document, position, its retrieval rank, and the passage with the quote highlighted."""
    return (
        f'<div class="askdocs-source" id="{anchor(answer_id, citation.n)}">'
        f'<div class="askdocs-source-head"><span class="askdocs-n">[{citation.n}]</span> '
        f"<strong>{escape(citation.title or citation.source)}</strong></div>"
        f'<div class="askdocs-meta">{escape(citation.source)} · {escape(where(citation.start, citation.end, citation.page, citation.label))}'
        f" · {_rank(citation.rank)}</div>"
        f'<blockquote class="askdocs-passage">{highlight(citation.text, citation.quote)}</blockquote></div>'
    )


def related_html(passage: Related) -> str:
    return (
        '<div class="askdocs-source askdocs-related">'
        f'<div class="askdocs-source-head"><strong>{escape(passage.title or passage.source)}</strong></div>'
        f'<div class="askdocs-meta">{escape(passage.source)} · {escape(where(passage.start, passage.end, passage.page, passage.label))}'
        f" · {_rank(passage.rank)}</div>"
        f'<blockquote class="askdocs-passage">{escape(passage.text)}</blockquote></div>'
    )


def sources_html(answers: Sequence[Answer]) -> str:
    """The sources panel: the newest answer's sources open, earlier answers' below, collapsed."""
    if not answers:
        return '<div class="askdocs-sources"><p class="askdocs-empty">Sources of the answers appear here.</p></div>'
    groups = []
    for position, answer in enumerate(reversed(answers)):
        if answer.refused:
            body = '<p class="askdocs-refusal">Not in the documents.</p>'
            if answer.related:
                body += "<p>Related passages (they do not answer the question):</p>"
                body += "".join(related_html(r) for r in answer.related)
        else:
            body = "".join(citation_html(answer.id, c) for c in answer.citations)
        is_open = " open" if position == 0 else ""
        groups.append(
            f'<details class="askdocs-answer-sources"{is_open}><summary>{escape(answer.question)}</summary>{body}</details>'
        )
    return f'<div class="askdocs-sources">{"".join(groups)}</div>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], css_class: str) -> str:
    """A table of already-escaped cells."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def ingest_report_html(outcomes: Sequence[Mapping[str, Any]]) -> str:
    """What happened to each uploaded file; bad ones with their reason."""
    if not outcomes:
        return "<p>No files.</p>"
    ordered = sorted(outcomes, key=lambda o: (STATUS_ORDER.index(o["status"]) if o["status"] in STATUS_ORDER else 99, o["source"]))
    rows = [
        (
            escape(o["source"]),
            f'<span class="askdocs-status askdocs-{escape(o["status"])}">{escape(o["status"])}</span>',
            str(o.get("chunks") or 0),
            escape(o.get("reason") or ""),
        )
        for o in ordered
    ]
    return _table(("file", "status", "chunks", "reason"), rows, "askdocs-report")


def timestamp(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S")


def documents_rows(records: Iterable[Any]) -> list[list[Any]]:
    """Rows of the documents table (plain values; the table shows them as text)."""
    return [
        [r.doc_id, r.title, r.kind, r.n_chunks, r.pages if r.pages is not None else "", timestamp(r.ingested_at), timestamp(r.updated_at)]
        for r in records
    ]


DOCUMENT_HEADERS = ["document", "title", "type", "chunks", "pages", "ingested", "updated"]
# Fit the table at 1400 px: the title wraps, counts stay narrow.
DOCUMENT_COLUMN_WIDTHS = ["21%", "37%", "6%", "7%", "7%", "11%", "11%"]


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return escape(str(value))


def metrics_html(report: Mapping[str, Any]) -> str:
    """The metrics of a run, with what it ran on."""
    settings = report.get("settings", {})
    head = (
        f"<p>{escape(str(report.get('testset', '')))} · {escape(str(report.get('created', '')))} · answerer "
        f"{escape(str(settings.get('answerer', '')))} · index version {escape(str(report.get('index_version', '')))}</p>"
    )
    rows = [(escape(name), _number(value)) for name, value in report.get("metrics", {}).items()]
    return head + _table(("metric", "value"), rows, "askdocs-metrics")


def plots_html(images: Mapping[str, str]) -> str:
    """Base64 PNGs (evaluation.report.plots) as images."""
    figures = [
        f'<figure><img alt="{escape(name)}" src="data:image/png;base64,{re.sub(r"[^A-Za-z0-9+/=]", "", data)}"/>'
        f"<figcaption>{escape(name)}</figcaption></figure>"
        for name, data in images.items()
    ]
    return f'<div class="askdocs-plots">{"".join(figures)}</div>'


def failed_cases_html(rows: Sequence[Mapping[str, Any]]) -> str:
    """The failed cases of a run: question, what was expected, what came back."""
    if not rows:
        return "<p>No failed cases.</p>"
    table = [
        (
            escape(str(r["id"])),
            escape(str(r["question"])),
            escape("; ".join(r.get("reference_answers") or []) or "(not answerable)"),
            escape(str(r.get("answer", ""))),
        )
        for r in rows
    ]
    return f"<p>{len(rows)} failed cases</p>" + _table(("id", "question", "expected", "answer"), table, "askdocs-failed")


def comparison_html(result: Mapping[str, Any], name_a: str, name_b: str) -> str:
    """evaluation.runner.compare: metric deltas and the cases whose outcome changed."""
    rows = []
    for m in result["metrics"]:
        a, b = m["a"], m["b"]
        delta = f"{b - a:+.3f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) else "—"
        rows.append((escape(m["metric"]), _number(a), _number(b), delta))
    metrics = _table(("metric", escape(name_a), escape(name_b), "change"), rows, "askdocs-compare")
    changed = [
        (escape(c["id"]), escape(c["question"]), escape(c["a"]), escape(c["b"]))
        for c in result["changed"]
    ]
    cases = _table(("id", "question", escape(name_a), escape(name_b)), changed, "askdocs-changed") if changed else "<p>No case changed.</p>"
    return metrics + f"<h4>Changed cases ({len(changed)})</h4>" + cases


def document_html(record: Any, text: str, chunks: Sequence[Any]) -> str:
    """A document as indexed: each chunk's span of the text marked and numbered, the text no chunk
    covers (boilerplate and repeats that cleaning removed) struck through. Everything escaped."""
    starts: dict[int, list[int]] = {}
    covered = [False] * len(text)
    for chunk in chunks:
        starts.setdefault(chunk.start, []).append(chunk.chunk_no + 1)
        for i in range(max(0, chunk.start), min(len(text), chunk.end)):
            covered[i] = True
    parts: list[str] = []
    position = 0
    while position < len(text):
        kept = covered[position]
        end = position + 1
        while end < len(text) and covered[end] == kept and end not in starts:
            end += 1
        for number in starts.get(position, []):
            parts.append(f'<span class="askdocs-chunk-no" title="chunk {number}">{number}</span>')
        piece = escape(text[position:end])
        parts.append(f'<span class="askdocs-kept">{piece}</span>' if kept else f'<del class="askdocs-removed" title="not indexed">{piece}</del>')
        position = end
    indexed = sum(covered)
    summary = (
        f"{escape(record.doc_id)}: {len(chunks)} chunks cover {indexed:,} of {len(text):,} characters; "
        f"struck-through text was left out as boilerplate or repetition."
    )
    return f'<div class="askdocs-document"><p class="askdocs-meta">{summary}</p><pre class="askdocs-doc-text">{"".join(parts)}</pre></div>'


CSS = """
.askdocs-sources { max-height: 640px; overflow-y: auto; }
.askdocs-source { border-left: 3px solid var(--border-color-primary); padding: 4px 10px; margin: 8px 0; }
.askdocs-source.active { border-left-color: var(--color-accent); background: var(--background-fill-secondary); }
.askdocs-meta { font-size: 0.85em; opacity: 0.75; }
.askdocs-source-head strong { font-weight: 600; }
.askdocs-passage { margin: 4px 0; white-space: pre-wrap; }
.askdocs-passage mark { background: #fde68a; color: inherit; padding: 0 1px; }
.askdocs-refusal { font-weight: 600; }
.askdocs-span { background: #fde68a; color: inherit; font-weight: 600; padding: 0 2px; border-radius: 2px; }
a.askdocs-cite { text-decoration: none; font-weight: 600; cursor: pointer; }
.askdocs-status.askdocs-failed, .askdocs-status.askdocs-skipped { color: #b91c1c; font-weight: 600; }
.askdocs-plots img { max-width: 100%; }
.askdocs-report, .askdocs-metrics, .askdocs-failed, .askdocs-compare { width: 100%; border-collapse: collapse;
  border: 1px solid var(--border-color-primary); border-radius: var(--radius-md); font-size: var(--text-md); }
.askdocs-report th, .askdocs-report td, .askdocs-metrics th, .askdocs-metrics td, .askdocs-failed th, .askdocs-failed td,
.askdocs-compare th, .askdocs-compare td { border: 1px solid var(--border-color-primary); padding: 6px 10px; text-align: left; }
.askdocs-report th, .askdocs-metrics th, .askdocs-failed th, .askdocs-compare th { background: var(--background-fill-secondary); font-weight: 600; }
.askdocs-notice { padding: 8px 12px; border-left: 3px solid var(--color-accent); background: var(--background-fill-secondary); }
.askdocs-loading { padding: 10px 14px; border-radius: var(--radius-md); background: #fef3c7; color: #78350f; }
.askdocs-waiting { opacity: 0.7; font-style: italic; }
.askdocs-spinner { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.5em; vertical-align: -0.1em;
  border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%; animation: askdocs-spin 0.8s linear infinite; }
@keyframes askdocs-spin { to { transform: rotate(360deg); } }
#askdocs-title { margin: 0; }
#askdocs-ask-row { align-items: stretch; }
.askdocs-actions { align-items: end; }
.askdocs-actions button { flex-grow: 0 !important; align-self: end; }
.askdocs-doc-text { white-space: pre-wrap; font-family: inherit; max-height: 640px; overflow-y: auto; }
.askdocs-removed { opacity: 0.45; }
.askdocs-chunk-no { font-size: 0.75em; font-weight: 600; border-radius: 3px; padding: 0 4px; margin-right: 2px;
  background: var(--color-accent); color: white; }
"""

# Markers are links into the sources panel (the chat's sanitiser keeps href, drops data-*): open the
# answer's group and bring the source into view.
HEAD = """
<script>
document.addEventListener("click", function (event) {
  var link = event.target && event.target.closest ? event.target.closest("a.askdocs-cite") : null;
  if (!link) { return; }
  event.preventDefault();
  event.stopPropagation();
  var target = document.getElementById((link.getAttribute("href") || "").replace(/^#/, ""));
  if (!target) { return; }
  document.querySelectorAll(".askdocs-source.active").forEach(function (e) { e.classList.remove("active"); });
  target.classList.add("active");
  var group = target.closest("details");
  if (group) { group.open = true; }
  target.scrollIntoView({block: "center"});
}, true);
</script>
"""
