"""The evaluation loop: test-set contract, metrics, runs with reports and gates, compare, calibrate."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from assistant.answer import REFUSAL
from assistant.models import Answer
from evaluation.metrics import case_metrics, contains, exact_match, normalize, retrieval_metrics, token_f1
from evaluation.runner import calibrate, failures
from evaluation.testset import Case, TestSetError, load_testset
from ingest.errors import InvalidInput
from tests.conftest import BIN, CORPUS

ASKDOCS = str(BIN / "askdocs")


def test_squad_normalisation_and_scores() -> None:
    assert normalize("The  Norway, and Belgium!") == "norway and belgium"
    assert exact_match("the Norway and Belgium.", ["Norway and Belgium"]) == 1.0
    assert token_f1("Norway and Denmark", ["Norway and Belgium"]) == pytest.approx(2 / 3)
    assert contains("Funding came from Norway and Belgium [1].", ["norway and belgium"]) == 1.0
    assert contains("Norwayish", ["Norway"]) == 0.0


def test_a_name_in_code_is_held_where_it_is_written() -> None:
    # SQuAD's normalisation glues "list(psutil.win_service_iter())" into one word.
    assert contains("list(psutil.win_service_iter()) [1].", ["win_service_iter"]) == 1.0
    assert contains("artist = fields.Nested(ArtistSchema())", ["fields.Nested"]) == 1.0
    assert contains("os.environ['HF_HUB_OFFLINE'] = '1'", ["hf_hub_offline"]) == 1.0
    # Not inside a longer name, nor a shorter version of the one written.
    assert contains("Changed in 1.4.0.", ["1.4"]) == 0.0
    assert contains("Use Pool.alloc_all() instead.", ["alloc"]) == 0.0
    assert contains("a snake_case_name", ["case"]) == 0.0
    # "61-yard" is glued into one word too; "non-violent" is not "violent", "markdown-it-py" not "markdown-it".
    assert contains("Norwood's 61-yard punt return set a record.", ["61"]) == 1.0
    assert contains("It was a non-violent protest.", ["violent"]) == 0.0
    assert contains("Install markdown-it-py.", ["markdown-it"]) == 0.0



def test_an_answer_is_scored_without_its_markers_and_with_its_own_spacing() -> None:
    case = Case(id="x", question="Where does the tracking API write?", reference_answers=["local ./mlruns directory"])
    answer = Answer(question=case.question, text="It writes into a local ./mlruns directory [1]. Nowhere else [2].", refused=False)
    assert case_metrics(case, answer, [], None)["contains_answer"] == 1.0


def test_a_refusal_never_holds_the_answer() -> None:
    # The refusal sentence ("The documents do not contain…") holds the word a reference may be.
    case = Case(id="x", question="Can the President vote?", reference_answers=["do not have voting rights", "not"])
    refused = Answer(question=case.question, text=REFUSAL, refused=True, refusal_reason="unanswerable")
    scores = case_metrics(case, refused, [], None)
    assert contains(REFUSAL, case.reference_answers) == 1.0
    assert scores["contains_answer"] == scores["exact_match"] == scores["f1"] == scores["cited_answer"] == 0.0
    assert scores["refused"] == 1.0


def test_retrieval_metrics_against_sources_and_answer_passages() -> None:
    case = Case(id="x", question="q", reference_answers=["Belgium"], reference_sources=["b.txt"])
    passages = [{"source": "a.txt", "text": "nothing"}, {"source": "b.txt", "text": "Norway and Belgium paid."}]
    scores = retrieval_metrics(case, passages)
    assert scores["hit@k"] == 1.0 and scores["mrr"] == 0.5 and scores["recall@k"] == 1.0
    assert scores["answer_mrr"] == 0.5 and scores["answer_recall@k"] == 1.0


def test_calibration_separates_the_groups() -> None:
    result = calibrate([(0.9, True), (0.7, True), (0.45, True), (0.2, False), (0.1, False)])
    assert 0.2 < result["best"]["threshold"] <= 0.45
    assert result["best"]["answered"] == 1.0 and result["best"]["refused"] == 1.0
    with pytest.raises(InvalidInput, match="unanswerable"):
        calibrate([(0.9, True)])


def test_floors() -> None:
    report = {"metrics": {"contains_answer": 0.8}}
    assert failures(report, {"contains_answer": 0.75}) == []
    assert "below the floor 0.9" in failures(report, {"contains_answer": 0.9})[0]
    assert "not measured" in failures(report, {"refusal_recall": 0.5})[0]


def test_bad_test_sets_name_the_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "question": "ok?"}\n{"id": "b", "answerable": "perhaps"}\n')
    with pytest.raises(TestSetError, match=r"bad.jsonl:2: .*question"):
        load_testset(path)
    path.write_text('{"id": "a", "question": "ok?", "extra": 1}\n{"id": "a", "question": "again?"}\n')
    with pytest.raises(TestSetError, match="used twice"):
        load_testset(path)
    path.write_text("not json\n")
    with pytest.raises(TestSetError, match="not valid JSON"):
        load_testset(path)


def test_eval_run_reports_gate_and_compare(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "ASKDOCS_DATA_DIR": str(data)}
    subprocess.run([ASKDOCS, "ingest", str(CORPUS)], env=env, check=True, capture_output=True, timeout=300)
    wanted = {"q05-law-digital-evidence", "q26-astana-funders", "fu05-turkmenistan", "offtopic-peru-capital", "unanswerable-germany-funding"}
    cases = [line for line in (CORPUS / "testsets" / "dev.jsonl").read_text().splitlines() if json.loads(line)["id"] in wanted]
    testset = tmp_path / "small.jsonl"
    testset.write_text("\n".join(cases) + "\n")

    def evaluate(out: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ASKDOCS, "eval", str(testset), "--out", str(tmp_path / out), *extra],
            env=env, capture_output=True, text=True, timeout=600,
        )

    first = evaluate("run-a", "--fail-under", "contains_answer=0.6", "--fail-under", "citation_precision=0.9")
    assert first.returncode == 0, first.stderr
    run_a = tmp_path / "run-a"
    assert {p.name for p in run_a.iterdir()} == {"results.jsonl", "report.json", "report.md", "report.html"}
    rows = [json.loads(line) for line in (run_a / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [json.loads(c)["id"] for c in cases]
    for row in rows:
        assert {"id", "question", "answer", "refused", "citations", "metrics", "latency_ms"} <= row.keys()
        for citation in row["citations"]:
            assert set(citation) == {"n", "source", "title", "text", "quote", "start", "end", "page", "label", "score"}
    report = json.loads((run_a / "report.json").read_text())
    metrics = report["metrics"]
    assert metrics["refusal_precision"] == 1.0 and metrics["answerable_refused"] == 0.0
    assert metrics["citation_precision"] == metrics["citation_recall"] == 1.0, "quotes support themselves"
    assert report["settings"]["answerer"] == "extractive"
    html = (run_a / "report.html").read_text()
    assert html.count("<img") == 3 and "Failed cases" in html

    gated = evaluate("run-b", "--fail-under", "exact_match=0.99")
    assert gated.returncode == 3 and "exact_match" in gated.stderr
    compared = subprocess.run([ASKDOCS, "eval", "compare", str(run_a), str(tmp_path / "run-b")], env=env, capture_output=True, text=True, timeout=120)
    assert compared.returncode == 0 and "contains_answer" in compared.stdout and "cases changed" in compared.stdout

    calibrated = subprocess.run([ASKDOCS, "eval", "calibrate", str(testset)], env=env, capture_output=True, text=True, timeout=600)
    assert calibrated.returncode == 0 and "ASKDOCS_MIN_EVIDENCE=" in calibrated.stdout

    drafts = tmp_path / "drafts.jsonl"
    generated = subprocess.run([ASKDOCS, "testset", "generate", "--out", str(drafts), "-n", "5"], env=env, capture_output=True, text=True, timeout=300)
    assert generated.returncode == 0, generated.stderr
    for case in load_testset(drafts):
        source = (CORPUS / case.reference_sources[0]).read_text()
        assert case.reference_answers[0] in " ".join(source.split())


SQUAD_V2 = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "squad" / "dev-v2.0-public.json"


@pytest.mark.skipif(not SQUAD_V2.is_file(), reason="../shared/datasets is absent: no SQuAD data to run the harness on")
def test_harness_on_a_real_squad_slice(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    """The whole loop on data nobody here wrote: import, ingest, answer, score (v2.0 has unanswerables)."""
    from assistant.answer import Assistant
    from benchmarks.squad_answers import spread
    from evaluation.importers import import_squad
    from assistant.settings import AssistantSettings
    from evaluation.runner import run
    from index.collection import Collection
    from index.settings import IndexSettings

    corpus, testset = import_squad(SQUAD_V2, tmp_path / "squad", limit_articles=1)
    cases = spread(load_testset(testset), 24)
    collection = Collection(IndexSettings(data_dir=tmp_path / "data"), embedder=embedder)
    collection.ingest([corpus])
    assistant = Assistant(AssistantSettings(log_answers=False), collection.retriever)
    report = run(assistant, cases, tmp_path / "run", "squad-v2.0-slice", judge=assistant.llm)
    metrics = report["metrics"]
    assert metrics["cases"] == 24 and 0 < sum(not c.answerable for c in cases) < 24
    for name in ("contains_answer", "cited_answer", "f1", "answer_hit@k", "refusal_recall", "llm_faithfulness"):
        assert 0.0 <= metrics[name] <= 1.0, name
    assert metrics["answer_hit@k"] >= 0.6, "retrieval finds the answer passage for most questions"
    assert metrics["contains_answer"] >= 0.3
    rows = [json.loads(line) for line in (tmp_path / "run" / "results.jsonl").read_text().splitlines()]
    assert {r["id"] for r in rows} == {c.id for c in cases}


def test_calibrate_picks_the_technical_reading_from_the_cases_it_decides(tmp_path: Path) -> None:
    from tests.assistant.test_answerability import BRISKLOG

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "brisklog.md").write_text(BRISKLOG, encoding="utf-8")
    cases = [
        {"id": "a1", "question": "Which environment variable turns off brisklog's colours?", "reference_answers": ["BRISKLOG_NO_COLOR"]},
        {"id": "a2", "question": "How do I change the level of every brisklog logger at once?", "reference_answers": ["brisklog.configure"]},
        {"id": "n1", "question": "Under which license is brisklog released?", "answerable": False},
        {"id": "n2", "question": "Does brisklog support sending logs to syslog?", "answerable": False},
    ]
    testset = tmp_path / "cases.jsonl"
    testset.write_text("".join(json.dumps(c) + "\n" for c in cases))
    env = {**os.environ, "ASKDOCS_DATA_DIR": str(tmp_path / "data")}
    subprocess.run([ASKDOCS, "ingest", str(docs)], env=env, check=True, capture_output=True, timeout=300)

    def calibrate_cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([ASKDOCS, "eval", "calibrate", str(testset), *args], env=env, capture_output=True, text=True, timeout=300)

    technical = calibrate_cli("--setting", "min_technical", "--json")
    assert technical.returncode == 0, technical.stderr
    result = json.loads(technical.stdout)
    assert result["setting"] == "min_technical" and result["cases"] == 4
    assert result["best"]["answered"] == 1.0 and result["best"]["refused"] == 1.0
    # Over a README the technical reading decides every case, so the two learned checks decide none.
    prose = calibrate_cli("--setting", "min_answerable")
    assert prose.returncode != 0 and "min_answerable decides none of the 4 cases" in prose.stderr
