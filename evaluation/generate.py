"""Draft test cases from the corpus, for a person to review before they are kept.

With an LLM, each chosen passage is turned into a question and a short answer by the model, and the
answer must occur in the passage. Without one, a sentence holding a name, a date or a number
becomes a fill-in-the-blank question whose answer is that span (deterministic).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant.text import sentences
from evaluation.testset import Case
from index.catalog import ChunkRecord

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

_SPAN = re.compile(
    r"\b(\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"(?: \d{4})?|\d+(?:[.,]\d+)? ?(?:per cent|percent|%)|(?:[A-Z][\w'’-]+ ){1,3}[A-Z][\w'’-]+)"
)
LLM_PROMPT = (
    "Write one question that this passage answers, and its short answer copied from the passage.\n"
    "Passage:\n{passage}\n\nReply in two lines:\nQ: <question>\nA: <answer>"
)


def cloze_cases(chunks: list[ChunkRecord], limit: int) -> Iterator[Case]:
    """Fill-in-the-blank drafts: one per chunk at most, from its first sentence with a usable span."""
    count = 0
    for chunk in chunks:
        for sentence in sentences(chunk.text):
            words = sentence.text.split()
            match = _SPAN.search(sentence.text)
            if len(words) < 8 or not match or match.start() == 0 and len(words) < 10:
                continue
            span = match.group(0).strip()
            question = sentence.text.replace(span, "_____", 1)
            yield Case(
                id=f"draft-{chunk.id[:12]}-{count}",
                question=f"Fill in the blank: {question}",
                reference_answers=[span],
                reference_sources=[chunk.doc_id],
                answerable=True,
            )
            count += 1
            break
        if count >= limit:
            return


def llm_cases(llm: LLM, chunks: list[ChunkRecord], limit: int) -> Iterator[Case]:
    """Drafts written by the LLM, kept only when the answer is found in the passage."""
    count = 0
    for chunk in chunks:
        reply = llm.complete(LLM_PROMPT.format(passage=chunk.text[:1500])).text
        question = re.search(r"^Q:\s*(.+)$", reply, re.MULTILINE)
        answer = re.search(r"^A:\s*(.+)$", reply, re.MULTILINE)
        if not question or not answer or answer.group(1).strip().lower() not in chunk.text.lower():
            continue
        yield Case(
            id=f"draft-{chunk.id[:12]}",
            question=question.group(1).strip(),
            reference_answers=[answer.group(1).strip()],
            reference_sources=[chunk.doc_id],
            answerable=True,
        )
        count += 1
        if count >= limit:
            return
