"""Importers of standard data sets (SQuAD, BEIR) into our test-set contract, with a corpus to ingest.

Each importer writes `out_dir/corpus/` (one .txt file per document, named so that the index's
document id is the reference source) and `out_dir/testset.jsonl`. Output is deterministic: the
same input and limits give the same files in the same order. Files in `out_dir/corpus/` that are
not part of the import are removed, so the folder can be ingested whole.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.text import sentences
from evaluation.metrics import contains
from evaluation.testset import Case, write_testset
from ingest.errors import InvalidInput

log = logging.getLogger(__name__)

_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SAFE_DOC_ID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")
# The id suffix of a question whose answer `import_squad(withhold=...)` cut from its article.
WITHHELD = "-withheld"


class DatasetError(InvalidInput):
    """A data set file that cannot be imported; the message names the file and what is wrong."""


def slugify(title: str, max_length: int = 100) -> str:
    """A file-name-safe form of a title: ASCII letters, digits, '.', '_' and '-'."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return _SLUG_UNSAFE.sub("_", ascii_title).strip("._-")[:max_length].rstrip("._-")


# -- SQuAD ------------------------------------------------------------------------------------
def import_squad(
    path: Path,
    out_dir: Path,
    limit_articles: int | None = None,
    limit_questions: int | None = None,
    titles: Collection[str] | None = None,
    withhold: int | None = None,
) -> tuple[Path, Path]:
    """SQuAD v1.1 / v2.0 JSON -> one document per article and a test set; returns (corpus_dir, testset).

    `titles` keeps only the articles of those titles (a part of evaluation.splits), in file order.

    `withhold` makes the documents lack facts that questions ask for: in each paragraph, the
    answerable question at that position (counted modulo the paragraph's answerable questions) has
    the sentences its answers were marked in cut from the paragraph, and becomes unanswerable. Only
    those questions are written to the test set, and only when none of their answers is left
    anywhere in the article: the assistant should decline every one of them.
    """
    data = _load_json(path)
    articles = _field(data, "data", list, path, "the top level")
    if titles is not None:
        articles = [a for a in articles if isinstance(a, dict) and a.get("title") in titles]
        if not articles:
            raise DatasetError(f"{path}: none of the {len(titles)} requested article titles is in the file")
    if limit_articles is not None:
        articles = articles[:limit_articles]

    documents: dict[str, str] = {}
    cases: list[Case] = []
    seen_ids: set[str] = set()
    for a_no, article in enumerate(articles):
        where = f"data[{a_no}]"
        title = str(_field(article, "title", str, path, where))
        file_name = _unique_name(slugify(title) or f"article-{a_no}", documents)
        contexts: list[str] = []
        withheld: list[Case] = []
        for p_no, paragraph in enumerate(_field(article, "paragraphs", list, path, where)):
            p_where = f"{where}.paragraphs[{p_no}]"
            raw = _field(paragraph, "context", str, path, p_where)
            context = raw.strip()
            found: list[tuple[Case, Any]] = []  # each question with its entry in the file
            for q_no, qa in enumerate(_field(paragraph, "qas", list, path, p_where)):
                if withhold is None and limit_questions is not None and len(cases) + len(found) >= limit_questions:
                    break
                case = _squad_case(qa, file_name, path, f"{p_where}.qas[{q_no}]")
                if case.id in seen_ids:
                    raise DatasetError(f"{path}: {p_where}.qas[{q_no}]: question id '{case.id}' is used twice")
                seen_ids.add(case.id)
                found.append((case, qa))
            answerable = [(c, qa) for c, qa in found if c.answerable]
            if withhold is None:
                cases.extend(c for c, _ in found)
            elif answerable:
                chosen, qa = answerable[withhold % len(answerable)]
                # Where its answers were marked, counted in the context as it is stripped here.
                lead = len(raw) - len(raw.lstrip())
                starts = [a.get("answer_start") for a in qa["answers"] if isinstance(a, dict)]
                context = cut_sentences(context, [o - lead for o in starts if isinstance(o, int)])
                withheld.append(chosen)
            if context:
                contexts.append(context)
        # The title is written as words ("Super_Bowl_50" -> "Super Bowl 50"): it is part of what is searched.
        documents[file_name] = "\n\n".join([title.replace("_", " "), *contexts]) + "\n"
        cases.extend(
            c.model_copy(update={"id": f"{c.id}{WITHHELD}", "reference_answers": [], "reference_sources": [], "answerable": False})
            for c in withheld
            if not contains(documents[file_name], c.reference_answers)
        )
    if limit_questions is not None:
        cases = cases[:limit_questions]

    corpus_dir = _write_corpus(out_dir, documents)
    testset = out_dir / "testset.jsonl"
    write_testset(cases, testset)
    log.info("imported %d articles and %d questions from %s", len(documents), len(cases), path)
    return corpus_dir, testset


def cut_sentences(text: str, offsets: Sequence[int]) -> str:
    """`text` without the sentences in which one of `offsets` (character positions) falls."""
    return " ".join(s.text for s in sentences(text) if not any(s.start <= o < s.end for o in offsets))


def _squad_case(qa: Any, file_name: str, path: Path, where: str) -> Case:
    qa_id = str(_field(qa, "id", (str, int), path, where))
    question = _field(qa, "question", str, path, where).strip()
    answerable = not bool(qa.get("is_impossible", False))
    answers: list[str] = []
    if answerable:
        for n, answer in enumerate(_field(qa, "answers", list, path, where)):
            text = _field(answer, "text", str, path, f"{where}.answers[{n}]").strip()
            if text and text not in answers:
                answers.append(text)
        if not answers:
            raise DatasetError(f"{path}: {where}: an answerable question with no answer text")
    return _case(
        path,
        where,
        id=qa_id,
        question=question,
        reference_answers=answers,
        reference_sources=[file_name] if answerable else [],
        answerable=answerable,
    )


def _unique_name(stem: str, taken: dict[str, str]) -> str:
    name, n = f"{stem}.txt", 2
    while name in taken:
        name, n = f"{stem}-{n}.txt", n + 1
    return name


# -- BEIR -------------------------------------------------------------------------------------
def import_beir(
    folder: Path,
    out_dir: Path,
    split: str = "test",
    limit_queries: int | None = None,
    extra_docs: int | None = None,
) -> tuple[Path, Path]:
    """A BEIR folder -> one document per corpus entry and a test set of the judged queries.

    `limit_queries` keeps the first judged queries in qrels order; `extra_docs` keeps, besides the
    documents judged for those queries, only the first N other documents (None: the whole corpus).
    """
    qrels = _read_qrels(folder / "qrels" / f"{split}.tsv")
    query_ids = list(qrels)[:limit_queries] if limit_queries is not None else list(qrels)
    queries_path = folder / "queries.jsonl"
    texts = {
        str(row["_id"]): row["text"]
        for row in _read_jsonl(queries_path, ("_id", "text"))
        if str(row["_id"]) in qrels
    }
    missing = [q for q in query_ids if q not in texts]
    if missing:
        raise DatasetError(f"{queries_path}: judged queries missing from the file: {', '.join(missing[:5])}")

    judged = {doc_id for q in query_ids for doc_id in qrels[q]}
    corpus_path = folder / "corpus.jsonl"
    documents: dict[str, str] = {}
    found: set[str] = set()
    extra = 0
    for line_no, row in enumerate(_read_jsonl(corpus_path, ("_id", "text")), start=1):
        doc_id = str(row["_id"])
        if doc_id in judged:
            found.add(doc_id)
        elif extra_docs is not None:
            if extra >= extra_docs:
                continue
            extra += 1
        if not _SAFE_DOC_ID.match(doc_id):
            raise DatasetError(f"{corpus_path}:{line_no}: document id '{doc_id}' cannot be used as a file name")
        title = str(row.get("title") or "").strip()
        documents[f"{doc_id}.txt"] = f"{title}\n\n{row['text'].strip()}\n" if title else f"{row['text'].strip()}\n"
    if judged - found:
        raise DatasetError(
            f"{corpus_path}: judged documents missing from the corpus: {', '.join(sorted(judged - found)[:5])}"
        )

    cases = [
        _case(
            queries_path,
            f"query '{q}'",
            id=q,
            question=texts[q].strip(),
            reference_answers=[],
            reference_sources=[f"{doc_id}.txt" for doc_id in qrels[q]],
            answerable=True,
        )
        for q in query_ids
    ]
    corpus_dir = _write_corpus(out_dir, documents)
    testset = out_dir / "testset.jsonl"
    write_testset(cases, testset)
    log.info("imported %d documents and %d queries from %s", len(documents), len(cases), folder)
    return corpus_dir, testset


def _read_qrels(path: Path) -> dict[str, list[str]]:
    """query id -> judged document ids with score > 0, both in file order."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such qrels file (BEIR layout: qrels/<split>.tsv)")
    qrels: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line_no, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or not "".join(row).strip():
                continue
            if line_no == 1 and row[0].strip() == "query-id":
                continue
            if len(row) != 3:
                raise DatasetError(
                    f"{path}:{line_no}: expected 3 tab-separated columns (query-id, corpus-id, score), got {len(row)}"
                )
            query_id, doc_id, score = (cell.strip() for cell in row)
            try:
                relevance = float(score)
            except ValueError:
                raise DatasetError(f"{path}:{line_no}: score '{score}' is not a number") from None
            if relevance > 0:
                docs = qrels.setdefault(query_id, [])
                if doc_id not in docs:
                    docs.append(doc_id)
    if not qrels:
        raise DatasetError(f"{path}: no judgement with a score above 0")
    return qrels


# -- shared -----------------------------------------------------------------------------------
def _load_json(path: Path) -> Any:
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: not UTF-8 text") from None


def _read_jsonl(path: Path, required: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-lines file, each checked for the required string fields."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{line_no}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise DatasetError(f"{path}:{line_no}: expected a JSON object, got {type(row).__name__}")
            for key in required:
                value = row.get(key)
                # Ids are sometimes written as numbers; everything else must be text.
                if not (isinstance(value, str) or (key == "_id" and type(value) is int)):
                    raise DatasetError(f"{path}:{line_no}: '{key}' is missing or not a string")
            yield row


def _field(obj: Any, key: str, kind: type | tuple[type, ...], path: Path, where: str) -> Any:
    if not isinstance(obj, dict):
        raise DatasetError(f"{path}: {where}: expected a JSON object, got {type(obj).__name__}")
    if key not in obj:
        raise DatasetError(f"{path}: {where}: missing '{key}'")
    value = obj[key]
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise DatasetError(f"{path}: {where}.{key}: expected {names}, got {type(value).__name__}")
    return value


def _case(path: Path, where: str, **fields: Any) -> Case:
    try:
        return Case(**fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise DatasetError(f"{path}: {where}: {problems}") from None


def _write_corpus(out_dir: Path, documents: dict[str, str]) -> Path:
    corpus_dir = out_dir / "corpus"
    corpus_dir.mkdir(parents=True, exist_ok=True)
    for stale in corpus_dir.glob("*.txt"):
        if stale.name not in documents:
            stale.unlink()
    for name, text in documents.items():
        (corpus_dir / name).write_text(text, encoding="utf-8")
    return corpus_dir
