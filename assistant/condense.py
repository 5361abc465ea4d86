"""Follow-ups: turn "When did it take place?" into a query that stands on its own."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.models import Turn
from assistant.text import content_terms, words

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

_REFERRING = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|he|him|his|she|her|there|then|the same|such|also|else)\b",
    re.IGNORECASE,
)

CONDENSE_PROMPT = (
    "Rewrite the last question so that it can be understood without the conversation. "
    "Replace pronouns with what they refer to. Reply with the rewritten question only.\n\n"
    "Conversation:\n{conversation}\n\nLast question: {question}\nRewritten question:"
)


def needs_context(question: str, history: Sequence[Turn]) -> bool:
    """A question leaning on earlier turns: it refers back, or is too short to stand alone."""
    if not any(turn.role == "user" for turn in history):
        return False
    return bool(_REFERRING.search(question)) or len(content_terms(question)) <= 2


def _last_user(history: Sequence[Turn]) -> str:
    return next((t.content for t in reversed(history) if t.role == "user"), "")


def keyword_condense(question: str, history: Sequence[Turn]) -> str:
    """Deterministic rewrite: the question plus the words of the previous question it builds on."""
    if not needs_context(question, history):
        return question
    previous = _last_user(history)
    own = {w.lower() for w in words(question)}
    carried = [w for w in words(previous) if w.lower() not in own and content_terms(w)]
    return f"{question} ({' '.join(dict.fromkeys(carried))})" if carried else question


def llm_condense(llm: LLM, question: str, history: Sequence[Turn]) -> str:
    """LLM rewrite, kept only when it still carries the question's and the conversation's words."""
    fallback = keyword_condense(question, history)
    if not needs_context(question, history):
        return question
    conversation = "\n".join(f"{t.role}: {t.content}" for t in history[-6:])
    rewritten = llm.complete(CONDENSE_PROMPT.format(conversation=conversation, question=question)).text.strip()
    rewritten = rewritten.split("\n")[0].strip().strip('"')
    context_terms = set(content_terms(_last_user(history)))
    if not rewritten or len(rewritten) > 300 or not set(content_terms(rewritten)) & context_terms:
        return fallback
    return rewritten
