"""The HTTP API as its clients meet it: a real `askdocs serve` on a free loopback port, with API keys.

httpx drives every REST route; OpenAI's own client talks to /v1/chat/completions; the MCP SDK's
own client calls each tool over HTTP and over stdio (`askdocs mcp`); Schemathesis fuzzes the served
OpenAPI spec; the key check is tried on every route the app has; a small load runs at the end.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings

from tests.conftest import ROOT, SAMPLE, free_port, serve

pytestmark = pytest.mark.slow

KEYS = ("test-key-one-5d1e", "test-key-two-93ab")
AUTH = {"Authorization": f"Bearer {KEYS[1]}"}
WAIT = 180.0  # one answer or one upload, on a busy 2-core machine
ASKDOCS = [sys.executable, "-c", "from ui.cli import main; main()"]

QUAY_DOC = """Quay regulations

The Kestrel quay in the port of Odrin closes at 22:00 every night.
Berths on the Kestrel quay are assigned by the harbour master, Ilka Varn.
"""
HARBOUR_DOC = """Aktau harbour notice

The harbour of Aktau reopens on 4 May after the dredging of the northern basin is complete.
Ferries to Baku resume the same week.
"""
TESTSET = [
    {"id": "law", "question": "Which law is Kyrgyzstan drafting?", "reference_answers": ["Law on Digital Evidence"],
     "reference_sources": ["000_92d15d5cd8394714.txt"]},
    {"id": "peru", "question": "What is the capital of Peru?", "answerable": False},
]
ASK_KEYS = {
    "id", "question", "answer", "refused", "citations", "related", "answer_span", "answerability", "stated",
    "technical", "standalone_query", "answerer", "timings_ms",
}


@pytest.fixture(scope="module")
def api_data(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Path:
    """A data directory with the sample corpus and a document in a sub-folder (its id has a slash)."""
    from index.collection import Collection
    from index.settings import IndexSettings

    base = tmp_path_factory.mktemp("api")
    corpus = base / "corpus"
    (corpus / "notes").mkdir(parents=True)
    for path in SAMPLE:
        shutil.copy(path, corpus / path.name)
    (corpus / "notes" / "quay.md").write_text(QUAY_DOC, encoding="utf-8")
    index = Collection(IndexSettings(data_dir=base / "data"), embedder=embedder)
    try:
        assert index.ingest([corpus]).failed == 0
    finally:
        index.close()
    return base


@pytest.fixture(scope="module")
def api(api_data: Path) -> Iterator[str]:
    """`askdocs -v serve` with two API keys, a 1 MB file limit and room for one question waiting for the LLM."""
    port = free_port()
    with pytest.MonkeyPatch.context() as patch:  # the server inherits the environment
        patch.setenv("ASKDOCS_DATA_DIR", str(api_data / "data"))
        patch.setenv("ASKDOCS_API_KEY", ",".join(KEYS))
        patch.setenv("ASKDOCS_API_LLM_QUEUE", "1")
        patch.setenv("ASKDOCS_MAX_FILE_MB", "1")
        patch.setenv("HF_HUB_OFFLINE", "1")
        with serve([*ASKDOCS, "-v", "serve", "--port", str(port)], f"http://127.0.0.1:{port}/healthz", timeout=180,
                   log=api_data / "server.log"):
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 180
            while httpx.get(f"{url}/readyz").status_code != 200:
                assert time.monotonic() < deadline, "the server did not become ready"
                time.sleep(0.5)
            yield url


@pytest.fixture
def http(api: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api, headers=AUTH, timeout=WAIT) as client:
        yield client


def assert_error(response: httpx.Response, status: int, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    """The one error shape, with this status."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}, body
    assert body["error"]["message"].strip()
    if code is not None:
        assert body["error"]["code"] == code, body
    if param is not None:
        assert body["error"]["param"] == param, body
    return body["error"]


def sse_events(response: httpx.Response) -> list[tuple[str | None, str]]:
    """(event, data) pairs of a server-sent event stream."""
    events, event, data = [], None, []
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:"):
            data.append(line.partition(":")[2].strip())
        elif not line and data:
            events.append((event, "\n".join(data)))
            event, data = None, []
    return events


# -- the server ------------------------------------------------------------------------------------


def test_it_is_live_ready_documented_and_still_serves_the_web_chat(api: str, http: httpx.Client) -> None:
    assert httpx.get(f"{api}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{api}/readyz").json()
    assert ready["ready"] is True and "all-MiniLM-L6-v2" in ready["detail"]
    spec = httpx.get(f"{api}/openapi.json").json()
    assert {"/v1/ask", "/v1/search", "/v1/documents", "/v1/documents/{doc_id}", "/v1/chat/completions", "/v1/models",
            "/v1/eval", "/v1/eval/{run}", "/v1/collections", "/healthz", "/readyz"} <= set(spec["paths"])
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            ok = next(str(s) for s in operation["responses"] if str(s).startswith("2"))
            assert operation["responses"][ok].get("content"), f"{method} {path} documents no response body"
            if path.startswith("/v1"):
                error = operation["responses"]["401"]["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/ErrorResponse"}, f"{method} {path}"
    docs = httpx.get(f"{api}/docs")
    assert "text/html" in docs.headers["content-type"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert assets and all(a.startswith("/") for a in assets), f"/docs loads only this server's files: {assets}"
    assert all(httpx.get(f"{api}{a}").status_code == 200 for a in assets)
    assert httpx.get(f"{api}/").status_code == 200
    config = httpx.get(f"{api}/config").json()
    assert config["title"] == "askdocs" and config.get("auth_required") is not True, "the web chat is at the root, with no login"


# -- REST ------------------------------------------------------------------------------------------


def test_ask_answers_with_citations_or_refuses(http: httpx.Client) -> None:
    answer = http.post("/v1/ask", json={"question": "Which law is Kyrgyzstan drafting?"}).json()
    assert set(answer) == ASK_KEYS, "the `ask --json` contract"
    assert not answer["refused"] and "Law on Digital Evidence" in answer["answer"] and "[1]" in answer["answer"]
    first = answer["citations"][0]
    assert first["source"] == "000_92d15d5cd8394714.txt" and first["quote"].strip(" …") in first["text"]

    refusal = http.post("/v1/ask", json={"question": "What is the capital of Peru?"}).json()
    assert refusal["refused"] and refusal["citations"] == [] and refusal["related"]

    only_quay = http.post("/v1/ask", json={"question": "Who assigns the berths on the Kestrel quay?", "doc_ids": ["notes/quay.md"]}).json()
    assert "Ilka Varn" in only_quay["answer"] and {c["source"] for c in only_quay["citations"]} == {"notes/quay.md"}


def test_ask_streams_deltas_then_the_answer(http: httpx.Client) -> None:
    with http.stream("POST", "/v1/ask", params={"stream": "true"}, json={"question": "Which law is Kyrgyzstan drafting?"}) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    kinds = [event for event, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"delta"}, kinds
    answer = json.loads(events[-1][1])
    assert "".join(json.loads(data)["text"] for _, data in events[:-1]) == answer["answer"]
    assert answer["citations"] and set(answer) == ASK_KEYS


def test_search_and_documents(http: httpx.Client) -> None:
    found = http.get("/v1/search", params={"q": "Budapest Convention", "k": 2}).json()
    assert len(found["passages"]) == 2 and found["passages"][0]["score"] >= found["passages"][1]["score"]
    for passage in found["passages"]:
        assert passage["end"] > passage["start"] >= 0 and "Budapest" in passage["text"]

    listed = {d["source"]: d for d in http.get("/v1/documents").json()["documents"]}
    assert {"notes/quay.md", *(p.name for p in SAMPLE)} <= set(listed)
    quay = http.get("/v1/documents/notes/quay.md").json()  # an id with a slash
    assert quay["source"] == "notes/quay.md" and "Kestrel quay" in quay["text"] and quay["chunks"] == len(quay["chunk_spans"])

    page = http.get("/v1/documents/001_04dbf60d010ecd0f.txt").json()
    assert page["indexed_characters"] < page["characters"], "cleaning left the site's menu out"
    assert "Holy See" not in page["text"] and "initiate the process of joining the Budapest Convention" in page["text"]


def test_upload_ask_delete_in_a_second_collection(http: httpx.Client, api_data: Path) -> None:
    report = http.post("/v1/documents", params={"collection": "harbour"}, files=[
        ("files", ("aktau.txt", HARBOUR_DOC.encode(), "text/plain")),
        ("files", ("../../tool.exe", b"MZ\x00\x01", "application/octet-stream")),
        ("files", ("../../../../escape.md", b"# Escape\n\nA note that tried to leave the uploads folder.\n", "text/markdown")),
    ])
    assert report.status_code == 200, report.text
    outcomes = {d["source"]: d for d in report.json()["documents"]}
    assert outcomes["aktau.txt"]["status"] == "added" and outcomes["aktau.txt"]["chunks"] >= 1
    assert outcomes["tool.exe"]["status"] == "skipped" and "unsupported file type" in outcomes["tool.exe"]["reason"]
    assert outcomes["escape.md"]["status"] == "added", "a name is reduced to its last part"
    uploads = api_data / "data" / "collections" / "harbour" / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["aktau.txt", "escape.md"]
    assert not list(api_data.rglob("escape.md"))[1:], "written once, inside the uploads folder"
    collections = {c["name"]: c for c in http.get("/v1/collections").json()["collections"]}
    assert collections["harbour"]["documents"] == 2

    here = http.post("/v1/ask", json={"question": "When does the harbour of Aktau reopen?", "collection": "harbour"}).json()
    assert "4 May" in here["answer"] and here["citations"][0]["source"] == "aktau.txt"
    elsewhere = http.post("/v1/ask", json={"question": "When does the harbour of Aktau reopen?"}).json()
    assert "aktau.txt" not in [c["source"] for c in elsewhere["citations"]] + [r["source"] for r in elsewhere["related"]]
    other = http.post("/v1/ask", json={"question": "Which law is Kyrgyzstan drafting?", "collection": "harbour"}).json()
    assert other["refused"], "no passage of another collection"
    found = [p["source"] for p in http.get("/v1/search", params={"q": "Aktau", "collection": "harbour"}).json()["passages"]]
    assert found[0] == "aktau.txt" and set(found) <= {"aktau.txt", "escape.md"}

    uploaded = api_data / "data" / "collections" / "harbour" / "uploads" / "aktau.txt"
    assert uploaded.is_file()
    removed = http.delete("/v1/documents/aktau.txt", params={"collection": "harbour"}).json()
    assert [(d["source"], d["status"]) for d in removed["documents"]] == [("aktau.txt", "removed")]
    assert not uploaded.exists(), "the uploaded file goes with its document"
    assert [d["source"] for d in http.get("/v1/documents", params={"collection": "harbour"}).json()["documents"]] == ["escape.md"]
    assert_error(http.delete("/v1/documents/aktau.txt", params={"collection": "harbour"}), 404, "not_found")

    left = [c["name"] for c in http.delete("/v1/collections/harbour").json()["collections"]]
    assert "harbour" not in left and "default" in left
    assert not (api_data / "data" / "collections" / "harbour").exists()
    assert "notes/quay.md" in {d["source"] for d in http.get("/v1/documents").json()["documents"]}, "the default collection is intact"


def test_errors_have_one_shape_and_the_right_status(http: httpx.Client) -> None:
    assert_error(http.post("/v1/ask", json={"question": "   "}), 400, "invalid_input", "question")
    assert_error(http.post("/v1/ask", json={}), 422, "invalid_fields", "question")
    assert_error(http.post("/v1/ask", json={"question": "x", "k": 0}), 422, "invalid_fields", "k")
    assert_error(http.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"}), 422, "invalid_fields")
    assert_error(http.post("/v1/ask", json={"question": "x", "doc_ids": ["missing.txt"]}), 404, "not_found")
    assert_error(http.post("/v1/ask", json={"question": "x", "collection": "nope"}), 404, "not_found")
    assert_error(http.post("/v1/ask", json={"question": "x", "collection": "../etc"}), 422, "invalid_fields", "collection")
    assert_error(http.get("/v1/search", params={"q": "  "}), 400, "invalid_input", "q")
    assert_error(http.get("/v1/documents/missing/doc.txt"), 404, "not_found")
    assert_error(http.get("/v1/documents/..%2F..%2Fetc%2Fpasswd"), 404, "not_found")
    big = b"word " * 250_000  # 1.25 MB, over the server's 1 MB limit
    assert_error(http.post("/v1/documents", files=[("files", ("big.txt", big, "text/plain"))]), 413, "too_large", "files")
    # Sent chunked, with no Content-Length: past the server's whole-body limit (all files of an upload).
    streamed = (b"x" * 100_000 for _ in range(400))
    assert_error(http.post("/v1/ask", content=streamed, headers={"content-type": "application/json"}), 413, "too_large")
    assert_error(http.post("/v1/documents", files=[("files", ("tool.exe", b"MZ", "application/octet-stream"))]), 415, "unsupported_type")
    assert_error(http.get("/v1/nowhere"), 404, "not_found")
    wrong_method = http.put("/v1/documents")
    assert_error(wrong_method, 405, "method_not_allowed")
    assert wrong_method.headers["allow"] == "GET, POST"
    assert_error(http.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}), 404)
    assert_error(http.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "hi"}]}), 400, param="messages")
    assert_error(http.get("/v1/eval/19990101-000000"), 404, "not_found")


def test_an_evaluation_run_reports_its_metrics(http: httpx.Client) -> None:
    testset = "".join(json.dumps(case) + "\n" for case in TESTSET).encode()
    started = http.post("/v1/eval", files={"testset": ("tiny.jsonl", testset, "application/jsonl")})
    assert started.status_code == 202, started.text
    run = started.json()["run"]
    deadline = time.monotonic() + WAIT
    while (status := http.get(f"/v1/eval/{run}").json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, status
        time.sleep(0.5)
    assert status["status"] == "done" and status["done"] == status["total"] == 2
    assert status["metrics"]["refusal_recall"] == 1.0 and status["metrics"]["contains_answer"] == 1.0
    report = http.get(status["reports"]["report.html"])
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert len(http.get(status["reports"]["results.jsonl"]).text.splitlines()) == 2
    assert run in http.get("/v1/eval").json()["runs"]

    broken = testset + b'{"id": "x"}\n'
    error = assert_error(http.post("/v1/eval", files={"testset": ("cases.jsonl", broken, "application/jsonl")}), 400, param="testset")
    assert error["message"].startswith("cases.jsonl:3: question"), error


# -- the OpenAI-compatible routes ----------------------------------------------------------------------


def test_the_openai_client_gets_cited_answers_and_refusals(api: str) -> None:
    import openai

    client = openai.OpenAI(base_url=f"{api}/v1", api_key=KEYS[0], max_retries=0, timeout=WAIT)
    assert {m.id for m in client.models.list()} == {"askdocs", "askdocs-extractive", "askdocs-llm"}

    law = [{"role": "user", "content": "Which law is Kyrgyzstan drafting?"}]
    peru = [{"role": "user", "content": "What is the capital of Peru?"}]
    answer = client.chat.completions.create(model="askdocs", messages=law)
    extra = answer.model_extra or {}
    assert "Law on Digital Evidence" in (answer.choices[0].message.content or "") and not extra["refused"]
    citation = extra["citations"][0]
    assert citation["source"] == "000_92d15d5cd8394714.txt" and citation["n"] == 1
    assert {"quote", "start", "end", "quote_start", "quote_end", "page", "score"} <= set(citation)

    refusal = client.chat.completions.create(model="askdocs", messages=peru)
    assert (refusal.model_extra or {})["refused"] and "do not contain" in (refusal.choices[0].message.content or "")

    for messages, refused in ((law, False), (peru, True)):
        text, last = "", None
        for chunk in client.chat.completions.create(model="askdocs-extractive", messages=messages, stream=True):
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
            last = chunk
        assert last is not None and last.choices[0].finish_reason == "stop"
        assert (last.model_extra or {})["refused"] is refused
        assert ("[1]" in text) is not refused and bool((last.model_extra or {})["citations"]) is not refused

    # PrivateGPT's context_filter, through extra_body; a follow-up reads the conversation.
    filtered = client.chat.completions.create(
        model="askdocs", extra_body={"context_filter": {"docs_ids": ["notes/quay.md"]}},
        messages=[{"role": "user", "content": "When does the Kestrel quay close?"},
                  {"role": "assistant", "content": "It closes at 22:00 every night [1]."},
                  {"role": "user", "content": "Who assigns its berths?"}],
    )
    assert "Ilka Varn" in (filtered.choices[0].message.content or "")
    assert {c["source"] for c in (filtered.model_extra or {})["citations"]} == {"notes/quay.md"}

    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=law)
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{api}/v1", api_key="not-a-key", max_retries=0).models.list()


def test_the_llm_answers_one_question_at_a_time_and_readers_do_not_wait(http: httpx.Client, api: str) -> None:
    """One question at the LLM, one waiting (ASKDOCS_API_LLM_QUEUE=1): the others get 429; search and
    listing answer while the LLM is busy."""
    body = {"question": "Which law is Kyrgyzstan drafting?", "answerer": "llm"}
    finished: dict[str, float] = {}

    def ask(n: int) -> httpx.Response:
        with httpx.Client(base_url=api, headers=AUTH, timeout=WAIT) as client:
            response = client.post("/v1/ask", json=body)
        finished[f"ask{n}"] = time.monotonic()
        return response

    with ThreadPoolExecutor(4) as pool:
        asked = [pool.submit(ask, n) for n in range(4)]
        time.sleep(1.0)
        assert http.get("/v1/search", params={"q": "Budapest Convention"}).status_code == 200
        assert http.get("/v1/documents").status_code == 200
        read_at = time.monotonic()
        responses = [future.result() for future in asked]
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 429, 429], [r.text for r in responses]
    for response in responses:
        if response.status_code == 429:
            assert_error(response, 429, "busy")
            assert int(response.headers["retry-after"]) >= 1
        else:
            assert response.json()["answerer"] == "llm"
    assert read_at < max(finished.values()), "search and listing answered while the LLM was still answering"


# -- MCP -------------------------------------------------------------------------------------------------


async def _use_every_tool(session: Any) -> None:
    await session.initialize()
    assert {t.name for t in (await session.list_tools()).tools} == {"search", "ask", "list_documents", "get_passage"}

    answer = (await session.call_tool("ask", {"question": "Which law is Kyrgyzstan drafting?"})).structuredContent
    assert not answer["refused"] and "Law on Digital Evidence" in answer["answer"]
    citation = answer["citations"][0]
    passage = (await session.call_tool("get_passage", {"source": citation["source"], "start": citation["start"], "end": citation["end"]}))
    assert passage.structuredContent["text"].split() == citation["text"].split(), "the cited passage, read back in place"

    refusal = (await session.call_tool("ask", {"question": "What is the capital of Peru?"})).structuredContent
    assert refusal["refused"] and refusal["citations"] == []

    found = (await session.call_tool("search", {"query": "Kestrel quay berths", "k": 2})).structuredContent
    assert found["passages"][0]["source"] == "notes/quay.md"
    listed = (await session.call_tool("list_documents", {})).structuredContent
    assert "notes/quay.md" in {d["source"] for d in listed["documents"]}

    missing = await session.call_tool("ask", {"question": "x", "collection": "nope"})
    assert missing.isError and "No collection 'nope'" in missing.content[0].text


def test_mcp_tools_over_http(api: str) -> None:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def main() -> None:
        async with httpx.AsyncClient(headers=AUTH, timeout=WAIT) as client:
            async with streamable_http_client(f"{api}/mcp", http_client=client) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await _use_every_tool(session)

    asyncio.run(asyncio.wait_for(main(), WAIT))


def test_mcp_tools_over_stdio(api_data: Path) -> None:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    env = {"ASKDOCS_DATA_DIR": str(api_data / "data"), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    params = StdioServerParameters(command=ASKDOCS[0], args=[*ASKDOCS[1:], "mcp"], env=env, cwd=str(api_data))

    async def main() -> None:
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await _use_every_tool(session)

    asyncio.run(asyncio.wait_for(main(), WAIT))


# -- auth -----------------------------------------------------------------------------------------------


def api_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every route of the app under /v1 and /mcp, as the app itself lists them."""
    from fastapi import routing

    contexts = routing.iter_route_contexts(app.routes) if hasattr(routing, "iter_route_contexts") else app.routes
    found = []
    for route in contexts:
        path = getattr(route, "path", None) or ""
        if path == "/mcp" or path.startswith(("/v1/", "/mcp/")):
            found += [(method, path) for method in sorted(getattr(route, "methods", None) or {"GET", "POST", "DELETE"}) if method != "HEAD"]
    return found


def test_with_keys_set_no_api_route_answers_without_one(api: str, api_data: Path) -> None:
    from index.library import Library
    from ui.server import create_app
    from ui.settings import load_settings

    settings = load_settings(data_dir=api_data / "data", api_key=",".join(KEYS))
    routes = api_routes(create_app(settings, Library(settings.index, settings.ingest)))
    paths = {path for _, path in routes}
    assert {"/v1/ask", "/v1/chat/completions", "/v1/documents/{doc_id:path}", "/mcp", "/v1/{rest_of_path:path}"} <= paths, paths
    attempts = {"no key": {}, "wrong key": {"Authorization": "Bearer not-a-key"},
                "another scheme": {"Authorization": f"Basic {KEYS[0]}"}, "a key's prefix": {"Authorization": f"Bearer {KEYS[0][:-1]}"}}
    with httpx.Client(base_url=api, timeout=WAIT) as client:
        for method, path in routes:
            url = re.sub(r"\{[^}]+\}", "x", path)
            for name, headers in attempts.items():
                response = client.request(method, url, headers=headers, json={"question": "x"})
                assert response.status_code == 401, f"{method} {url} with {name}: {response.status_code}"
                assert_error(response, 401, "invalid_api_key")
                assert response.headers["www-authenticate"] == "Bearer"
        for key in KEYS:
            assert client.get("/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    log = (api_data / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "POST /v1/ask" in log, "the access log is on (-v), and still"
    assert all(key not in log for key in KEYS), "no key is ever logged"


# -- fuzzing ---------------------------------------------------------------------------------------------


FUZZ_EXAMPLES = 30  # per operation and mode: bounded, and deterministic (derandomize)


def _without_llm(case: Any) -> None:
    """The LLM is left out of the fuzzing (seconds a call here): generated answerers and models become extractive."""
    if isinstance(case.body, dict):
        if case.body.get("answerer") == "llm":
            case.body["answerer"] = "extractive"
        if case.body.get("model") == "askdocs-llm":
            case.body["model"] = "askdocs"
    if isinstance(case.query, dict) and case.query.get("answerer") == "llm":
        case.query["answerer"] = "extractive"


def test_generated_input_never_gets_a_server_error(api: str) -> None:
    """Every operation of the served OpenAPI spec, with input generated to fit it and to break it: never a 5xx."""
    import schemathesis
    from hypothesis import given
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_url(f"{api}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failed, calls = {}, []
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
            @given(case=operation.as_strategy(mode))
            def check(case: Any) -> None:
                _without_llm(case)
                calls.append(case.call_and_validate(headers=AUTH, checks=[not_a_server_error]).status_code)

            try:
                check()
            except Unsatisfiable:  # no parameters, no body: nothing to break
                continue
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; the failures are listed together
                failed[f"{operation.label} ({mode})"] = str(exc)[:1000]
    assert not failed, json.dumps(failed, indent=1)
    assert len(calls) >= 5 * len(operations) and {200, 400, 404, 422} <= set(calls), sorted(set(calls))


# -- load -----------------------------------------------------------------------------------------------


def test_concurrent_clients_and_uploads_lose_nothing(api: str) -> None:
    """A small run of benchmarks/api_load.py (docs/api.md has the full one's figures)."""
    from benchmarks.api_load import questions_from, run_load

    questions = questions_from(ROOT / "corpus" / "testsets" / "dev.jsonl")
    result = run_load(api, questions, clients=5, per_client=2, uploads=3, api_key=KEYS[0])
    assert result["errors"] == [] and result["lost_documents"] == []
    assert result["requests"]["ask"] == 10 and result["requests"]["upload"] == 3


# -- the web chat's login and the API key are independent ----------------------------------------------


def test_serving_beyond_this_machine_without_a_login_or_key_is_warned_about() -> None:
    from ui.cli.serve import exposure_warnings

    assert exposure_warnings("127.0.0.1", False, False) == [] and exposure_warnings("localhost", False, False) == []
    assert exposure_warnings("::1", False, False) == []
    both = exposure_warnings("0.0.0.0", False, False)
    assert len(both) == 2 and "--auth" in both[0] and "ASKDOCS_API_KEY" in both[1]
    assert exposure_warnings("192.168.1.5", True, False) == [both[1].replace("0.0.0.0", "192.168.1.5")]
    assert exposure_warnings("0.0.0.0", True, True) == []


def test_the_web_login_and_the_api_key_are_independent(api_data: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASKDOCS_DATA_DIR", str(api_data / "data"))
        patch.setenv("ASKDOCS_API_KEY", KEYS[0])
        patch.setenv("HF_HUB_OFFLINE", "1")
        command = [*ASKDOCS, "serve", "--port", str(port), "--auth", "alice:web-pass-7f3c"]
        with serve(command, f"{url}/healthz", timeout=180, log=api_data / "server-auth.log"):
            with httpx.Client(base_url=url, timeout=WAIT) as browser:
                assert browser.get("/config").status_code == 401, "the web chat needs its login"
                assert browser.post("/login", data={"username": "alice", "password": "wrong"}).status_code == 400
                assert browser.post("/login", data={"username": "alice", "password": "web-pass-7f3c"}).status_code == 200
                assert browser.get("/config").json()["title"] == "askdocs", "logged in, without any API key"
                assert_error(browser.get("/v1/models"), 401, "invalid_api_key")  # the web login opens no API route
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEYS[0]}"}, timeout=WAIT) as client:
                assert client.get("/v1/models").status_code == 200, "the key opens the API without the web login"
                assert client.get("/config").status_code == 401, "and not the web chat"


def test_until_the_model_is_loaded_the_server_is_live_but_not_ready(api_data: Path, embedder: Any) -> None:
    """The app before its start-up has run (TestClient outside a `with`), then after."""
    from fastapi.testclient import TestClient

    from index.library import Library
    from ui.server import create_app
    from ui.settings import load_settings

    settings = load_settings(data_dir=api_data / "data")
    app = create_app(settings, Library(settings.index, settings.ingest, embedder=embedder), web=False)
    client = TestClient(app, headers=AUTH)  # the key, in case this module's server has set ASKDOCS_API_KEY
    assert client.get("/healthz").status_code == 200
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json()["ready"] is False and not_ready.headers["retry-after"] == "5"
    asked = client.post("/v1/ask", json={"question": "Which law is Kyrgyzstan drafting?"})
    assert_error(asked, 503, "not_ready")
    assert asked.headers["retry-after"] == "5"
    assert client.get("/v1/documents").status_code == 200, "listing needs no model"

    service = app.state.service
    service.start()
    deadline = time.monotonic() + WAIT
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert "Law on Digital Evidence" in client.post("/v1/ask", json={"question": "Which law is Kyrgyzstan drafting?"}).json()["answer"]
    service.close()
