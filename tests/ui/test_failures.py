"""What a user sees when things go wrong: secrets kept out of every output, services that are down."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN, free_port

ASKDOCS = str(BIN / "askdocs")
WEB_SECRET = "web-pass-4f9d1c"
LLM_SECRET = "sk-llm-key-7e3a90"


def run(*args: str, data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "ASKDOCS_DATA_DIR": str(data), **env}
    return subprocess.run([ASKDOCS, *args], capture_output=True, text=True, env=full_env, timeout=300)


def test_secrets_appear_in_no_report_log_history_or_error(tmp_path: Path, corpus_copy: Path) -> None:
    data = tmp_path / "data"
    secrets = {"ASKDOCS_WEB_AUTH": f"alice:{WEB_SECRET}", "ASKDOCS_LLM_API_KEY": LLM_SECRET}
    testset = tmp_path / "cases.jsonl"
    testset.write_text(
        json.dumps({"id": "law", "question": "Which law is Kyrgyzstan drafting?", "reference_answers": ["Law on Digital Evidence"]})
        + "\n",
        encoding="utf-8",
    )
    down = f"http://127.0.0.1:{free_port()}/v1"
    results = [
        run("-vv", "ingest", str(corpus_copy), data=data, **secrets),
        run("-vv", "ask", "Which law is Kyrgyzstan drafting?", "--json", data=data, **secrets),
        run("-vv", "eval", str(testset), "--out", str(tmp_path / "run"), "--json", data=data, **secrets),
        run("-vv", "history", "--json", data=data, **secrets),
        # An error path that involves the key: the LLM server it would be sent to is down.
        run("-vv", "ask", "Which law is Kyrgyzstan drafting?", "--answerer", "llm", data=data,
            ASKDOCS_LLM_BACKEND="openai", ASKDOCS_LLM_BASE_URL=down, ASKDOCS_LLM_TIMEOUT="5", **secrets),
    ]
    assert [r.returncode for r in results] == [0, 0, 0, 0, 2]
    outputs = [r.stdout + r.stderr for r in results]
    files = [p.read_text(encoding="utf-8", errors="replace") for p in [*data.rglob("*.json*"), *(tmp_path / "run").iterdir()] if p.is_file()]
    assert any("history.jsonl" in str(p) for p in data.rglob("*.jsonl")), "the answer log was written"
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["settings"]["llm_backend"] == "llamacpp", "the settings are recorded, all but the secrets"
    for text in outputs + files:
        assert WEB_SECRET not in text and LLM_SECRET not in text


def test_an_unreachable_llm_server_is_one_line_and_writes_nothing(tmp_path: Path, corpus_copy: Path) -> None:
    data = tmp_path / "data"
    assert run("ingest", str(corpus_copy), data=data).returncode == 0
    url = f"http://127.0.0.1:{free_port()}/v1"
    env = {"ASKDOCS_LLM_BACKEND": "openai", "ASKDOCS_LLM_BASE_URL": url, "ASKDOCS_LLM_TIMEOUT": "5"}
    asked = run("ask", "Which law is Kyrgyzstan drafting?", "--answerer", "llm", data=data, **env)
    assert asked.returncode == 2
    assert url in asked.stderr and len(asked.stderr.strip().splitlines()) == 1, asked.stderr
    assert not (data / "history.jsonl").exists(), "a failed answer is not logged"

    testset = tmp_path / "cases.jsonl"
    testset.write_text(json.dumps({"id": "q", "question": "Which law is Kyrgyzstan drafting?"}) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    evaluated = run("eval", str(testset), "--out", str(out), "--answerer", "llm", data=data, **env)
    assert evaluated.returncode == 2 and url in evaluated.stderr and "Traceback" not in evaluated.stderr
    assert not out.exists() or not any(out.iterdir()), "no half-written evaluation"


def test_an_unreachable_chroma_server_is_one_line_and_writes_nothing(tmp_path: Path, corpus_copy: Path) -> None:
    data = tmp_path / "data"
    url = f"http://127.0.0.1:{free_port()}"
    ingested = run("ingest", str(corpus_copy), data=data, ASKDOCS_CHROMA_URL=url)
    assert ingested.returncode == 2
    assert url in ingested.stderr and len(ingested.stderr.strip().splitlines()) == 1, ingested.stderr
    listed = json.loads(run("docs", "--json", data=data).stdout)
    assert listed == [], "nothing was recorded for documents whose vectors could not be written"


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_an_empty_question_is_a_usage_error(tmp_path: Path, question: str) -> None:
    asked = run("ask", question, data=tmp_path / "data")
    assert asked.returncode == 2 and "question is empty" in asked.stderr and "Traceback" not in asked.stderr
