"""An LLM-judged faithfulness score, optional: the configured LLM says whether the passages support the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.models import Answer
from assistant.text import strip_markers

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

JUDGE_PROMPT = (
    "Passages:\n{passages}\n\nAnswer: {answer}\n\n"
    "Is every statement of the answer supported by the passages? Reply with one word: yes or no."
)


def faithfulness(llm: LLM, answer: Answer) -> float | None:
    """1.0 when the judge says the cited passages support the answer, 0.0 when not; None for refusals."""
    if answer.refused or not answer.citations:
        return None
    passages = "\n\n".join(f"[{c.n}] {c.text}" for c in answer.citations)
    reply = llm.complete(JUDGE_PROMPT.format(passages=passages, answer=strip_markers(answer.text))).text
    words = reply.strip().lower().split()
    return 1.0 if words and words[0].startswith("yes") else 0.0
