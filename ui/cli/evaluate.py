"""Evaluation commands: eval (run, compare, calibrate) and testset (generate)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click_default_group import DefaultGroup

from ui.cli import main
from ui.cli.common import EXIT_GATE, State, handle_errors, pass_state, print_json


def _floor(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, float]:
    from evaluation.runner import FLOOR_METRICS

    floors = {}
    for value in values:
        name, _, number = value.partition("=")
        if name not in FLOOR_METRICS:
            raise click.BadParameter(f"unknown metric '{name}'; one of: {', '.join(FLOOR_METRICS)}")
        try:
            floors[name] = float(number)
        except ValueError:
            raise click.BadParameter(f"'{value}' is not METRIC=NUMBER") from None
    return floors


def _load(path: Path):  # type: ignore[no-untyped-def]
    from evaluation.testset import load_testset

    return load_testset(path)


@main.group(cls=DefaultGroup, default="run", default_if_no_args=False)
def eval() -> None:  # noqa: A001  (the command is called `eval`)
    """Measure answer quality on a test set (JSONL); compare runs; calibrate refusals.

    \b
    Examples:
      askdocs eval corpus/testsets/dev.jsonl --out runs/today
      askdocs eval corpus/testsets/dev.jsonl --out runs/ci --fail-under contains_answer=0.9
      askdocs eval compare runs/yesterday runs/today
      askdocs eval calibrate corpus/testsets/dev.jsonl
    """


@eval.command("run")
@click.argument("testset", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder for results and reports.")
@click.option("--answerer", type=click.Choice(["extractive", "llm"]), help="Answerer to evaluate.")
@click.option("-k", "top_k", type=click.IntRange(1, 100), help="Passages to retrieve.")
@click.option("--fail-under", "floors", multiple=True, callback=_floor, metavar="METRIC=VALUE", help="Exit 3 if METRIC is below VALUE (repeatable).")
@click.option("--judge", is_flag=True, help="Also score faithfulness with the configured LLM (llm_faithfulness).")
@click.option("--json", "as_json", is_flag=True, help="Print report.json.")
@pass_state
@handle_errors
def run_eval(
    state: State, testset: Path, out_dir: Path, answerer: str | None, top_k: int | None,
    floors: dict[str, float], judge: bool, as_json: bool,
) -> None:
    """Run every case of TESTSET through the assistant and write results.jsonl and reports to --out.

    \b
    Examples:
      askdocs eval run corpus/testsets/dev.jsonl --out runs/today
      askdocs eval run squad/testset.jsonl --out runs/squad --fail-under contains_answer=0.8
    """
    from evaluation.runner import failures, run

    cases = _load(testset)
    assistant = state.assistant(answerer=answerer, top_k=top_k, log_answers=False)
    report = run(assistant, cases, out_dir, str(testset), progress=not as_json, judge=assistant.llm if judge else None)
    if as_json:
        print_json(report)
    else:
        from evaluation.report import format_value

        for name, value in report["metrics"].items():
            click.echo(f"{name:<22} {format_value(name, value)}")
        click.echo(f"\nwrote {out_dir}/results.jsonl, report.json, report.md, report.html")
    problems = failures(report, floors)
    for line in problems:
        click.secho(f"FAIL {line}", fg="red", err=True)
    if problems:
        raise SystemExit(EXIT_GATE)


@eval.command()
@click.argument("run_a", type=click.Path(path_type=Path))
@click.argument("run_b", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@handle_errors
def compare(run_a: Path, run_b: Path, as_json: bool) -> None:
    """Compare two evaluation runs: metrics side by side and the cases that changed.

    \b
    Example:
      askdocs eval compare runs/yesterday runs/today
    """
    from evaluation.report import format_value
    from evaluation.runner import compare as compare_runs
    from evaluation.runner import load_run

    result = compare_runs(load_run(run_a), load_run(run_b))
    if as_json:
        print_json(result)
        return
    click.secho(f"{'metric':<22} {'A':>9} {'B':>9} {'B-A':>9}", bold=True)
    for row in result["metrics"]:
        a, b = row["a"], row["b"]
        delta = f"{b - a:+.3f}" if a is not None and b is not None else "—"
        click.echo(f"{row['metric']:<22} {format_value(row['metric'], a):>9} {format_value(row['metric'], b):>9} {delta:>9}")
    click.secho(f"\n{len(result['changed'])} cases changed", bold=True)
    for case in result["changed"]:
        flips = ", ".join(f"{k}: {v[0]} -> {v[1]}" for k, v in case["changes"].items()) or "answer text"
        click.echo(f"- {case['id']}: {flips}")


def _always(answer: Any, min_evidence: float) -> bool:
    return True


def _prose(answer: Any, min_evidence: float) -> bool:
    return answer.technical is None and answer.evidence >= min_evidence


def _technical(answer: Any, min_evidence: float) -> bool:
    return answer.technical is not None and answer.evidence >= min_evidence


# Each refusal threshold, the score of an answer it compares, and which answers it decides: the
# off-topic check every answer; the two learned checks those the technical reading does not
# decide, and it those whose best sentence's document names code; both only past the first.
CALIBRATED = {
    "min_evidence": ("evidence", _always),
    "min_answerable": ("answerability", _prose),
    "min_stated": ("stated", _prose),
    "min_technical": ("technical", _technical),
}


@eval.command()
@click.argument("testset", type=click.Path(path_type=Path))
@click.option(
    "--setting", type=click.Choice(list(CALIBRATED)), default="min_evidence", show_default=True,
    help="Which refusal threshold to pick; the others stay as they are set.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the curve as JSON.")
@pass_state
@handle_errors
def calibrate(state: State, testset: Path, setting: str, as_json: bool) -> None:
    """Pick a refusal threshold that best separates answerable from unanswerable cases of your test set.

    min_evidence (the default) is the off-topic check; min_answerable and min_stated the two learned
    checks; min_technical the reading that replaces them when the best sentence's document names code.
    Each is picked from the cases it decides, the others staying as they are set.

    \b
    Examples:
      askdocs eval calibrate corpus/testsets/dev.jsonl
      askdocs eval calibrate my-manual-questions.jsonl --setting min_technical
    """
    from evaluation.runner import calibrate as best_threshold
    from ingest.errors import InvalidInput

    cases = _load(testset)
    field, decides = CALIBRATED[setting]
    # The score is recorded whether or not the answer is refused; the technical reading is read only
    # while it is on, so it is switched on for its own calibration (it then refuses nothing).
    assistant = state.assistant(
        min_evidence=0.0 if setting == "min_evidence" else None,
        min_technical=1e-9 if setting == "min_technical" else None,
        log_answers=False,
    )
    min_evidence = assistant.settings.min_evidence
    answers = [(assistant.answer(c.question, c.history), c.answerable) for c in cases]
    scores = [(getattr(a, field), ok) for a, ok in answers if getattr(a, field) is not None and decides(a, min_evidence)]
    if not scores:
        why = {
            "min_technical": "no best sentence's document names code, so the two learned checks decide them",
            "min_evidence": "no case was answered or refused",
        }.get(setting, "the technical reading decides them all (their best sentence's document names code)")
        raise InvalidInput(f"{setting} decides none of the {len(cases)} cases of {testset}: {why}", param="setting")
    result = {**best_threshold(scores), "setting": setting, "cases": len(scores)}
    if as_json:
        print_json(result)
        return
    click.secho(f"{'threshold':>9} {'answered':>9} {'refused':>9}", bold=True)
    for point in result["curve"]:
        mark = "  <- best" if point is result["best"] else ""
        click.echo(f"{point['threshold']:>9.3f} {point['answered']:>9.2f} {point['refused']:>9.2f}{mark}")
    best = result["best"]
    click.echo(
        f"\nset ASKDOCS_{setting.upper()}={best['threshold']:.3f}: answers {best['answered']:.0%} of answerable "
        f"and refuses {best['refused']:.0%} of unanswerable cases (of the {len(scores)} of {len(cases)} this threshold decides)"
    )


@main.group()
def testset() -> None:
    """Make test sets: draft cases from the corpus, or import SQuAD and BEIR data.

    \b
    Examples:
      askdocs testset generate --out drafts.jsonl -n 30
      askdocs testset import-squad ../shared/datasets/squad/dev-v2.0-public.json --out squad --articles 3
    """


def _imported(corpus: Path, cases: Path) -> None:
    click.echo(f"documents: {corpus}\ntest set:  {cases}\nnext: askdocs ingest {corpus} && askdocs eval {cases} --out RUN_DIR")


@testset.command("import-squad")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder for corpus/ and testset.jsonl.")
@click.option("--articles", type=click.IntRange(1), help="Only the first N articles.")
@click.option("--questions", type=click.IntRange(1), help="Only the first N questions.")
@click.option("--part", type=click.Choice(["dev", "heldout"]), help="Only the articles of this part of the fixed split (evaluation/splits.py).")
@click.option("--sample", type=click.IntRange(1), help="Keep N questions spread evenly over the test set.")
@click.option(
    "--withhold", type=click.IntRange(0), metavar="N",
    help="Cut from each paragraph the sentences answering its N-th answerable question; the test set is those questions, "
    "to be declined.",
)
@handle_errors
def import_squad_command(
    path: Path, out_dir: Path, articles: int | None, questions: int | None, part: str | None, sample: int | None,
    withhold: int | None,
) -> None:
    """Import a SQuAD v1.1/v2.0 JSON file: one document per article, unanswerables marked.

    \b
    Examples:
      askdocs testset import-squad ../shared/datasets/squad/dev-v2.0-public.json --out squad --articles 3
      askdocs testset import-squad ../shared/datasets/squad/dev-v2.0-public.json --out held --part heldout --sample 200
      askdocs testset import-squad ../shared/datasets/squad/dev-v1.1-public.json --out gone --part heldout --withhold 0
    """
    from evaluation.importers import import_squad
    from evaluation.splits import spread, squad_file_titles, squad_titles
    from evaluation.testset import load_testset, write_testset

    titles = squad_titles(squad_file_titles(path), part) if part else None  # type: ignore[arg-type]
    corpus, cases = import_squad(
        path, out_dir, limit_articles=articles, limit_questions=questions, titles=titles, withhold=withhold
    )
    if sample is not None:
        write_testset(spread(load_testset(cases), sample), cases)
    _imported(corpus, cases)


@testset.command("import-beir")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder for corpus/ and testset.jsonl.")
@click.option("--split", default="test", show_default=True, help="Which qrels/<split>.tsv to use.")
@click.option("--queries", type=click.IntRange(1), help="Only the first N judged queries.")
@handle_errors
def import_beir_command(folder: Path, out_dir: Path, split: str, queries: int | None) -> None:
    """Import a BEIR folder (corpus.jsonl, queries.jsonl, qrels/): one document per entry.

    \b
    Example:
      askdocs testset import-beir ../shared/datasets/scifact --out scifact --queries 50
    """
    from evaluation.importers import import_beir

    _imported(*import_beir(folder, out_dir, split=split, limit_queries=queries))


@testset.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="JSONL file to write the drafts to.")
@click.option("-n", "count", type=click.IntRange(1, 10_000), default=20, show_default=True, help="How many drafts.")
@click.option("--llm", "use_llm", is_flag=True, help="Let the configured LLM write the questions.")
@pass_state
@handle_errors
def generate(state: State, out: Path, count: int, use_llm: bool) -> None:
    """Draft questions from the ingested documents, for a person to review.

    \b
    Example:
      askdocs testset generate --out corpus/testsets/drafts.jsonl -n 30
    """
    from evaluation.generate import cloze_cases, llm_cases
    from evaluation.testset import write_testset

    chunks = list(state.collection(embeds=False).retriever.all_chunks())
    if use_llm:
        from assistant.llm import calling, make_llm

        settings = state.settings().assistant
        with calling(settings):
            cases = list(llm_cases(make_llm(settings), chunks, count))
    else:
        cases = list(cloze_cases(chunks, count))
    written = write_testset(cases, out)
    click.echo(f"wrote {written} draft cases to {out}: review them before use")


__all__ = ["eval", "testset"]
