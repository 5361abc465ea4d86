"""Follow-ups: turn "When did it take place?" into a query that stands on its own."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from assistant.models import Turn
from assistant.text import content_terms, entities, words

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

_REFERRING = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|he|him|his|she|her|there|then|the same|such|also|else)\b",
    re.IGNORECASE,
)

_CONTINUING = re.compile(r"\s*(and|also|but|so|what about|how about|what else)\b", re.IGNORECASE)

CONDENSE_PROMPT = (
    "Rewrite the last question so that it can be understood without the conversation. "
    "Replace pronouns with what they refer to. Reply with the rewritten question only.\n\n"
    "Conversation:\n{conversation}\n\nLast question: {question}\nRewritten question:"
)


def needs_context(question: str, history: Sequence[Turn], in_corpus: Callable[[str], bool] | None = None) -> bool:
    """A question leaning on earlier turns: it refers back ("it", "that meeting"), continues the
    previous one ("And what about Turkmenistan?"), or is too short to stand alone, names nothing
    and uses words the documents use ("When did it happen?" but not "How to bake bread?").
    "What is the capital of Peru?" names its subject: it stands alone, whatever came before."""
    if not any(turn.role == "user" for turn in history):
        return False
    if _REFERRING.search(question) or _CONTINUING.match(question):
        return True
    terms = content_terms(question)
    if len(terms) > 2 or entities(question):
        return False
    return not terms or in_corpus is None or in_corpus(question)


def _built_on(history: Sequence[Turn], in_corpus: Callable[[str], bool] | None = None) -> str:
    """The earlier questions a follow-up builds on, latest first: the last one and, while each leaned
    on the one before ("What is E-VIDENCE?", "When did it start?", then "Who supports it?"), the ones
    before it, back to a question that stood alone."""
    asked = [turn for turn in history if turn.role == "user"]
    chain = []
    for i in range(len(asked) - 1, -1, -1):
        chain.append(asked[i].content)
        if not needs_context(asked[i].content, asked[:i], in_corpus):
            break
    return " ".join(chain)


def keyword_condense(question: str, history: Sequence[Turn], in_corpus: Callable[[str], bool] | None = None) -> str:
    """Deterministic rewrite: the question plus the words of the earlier questions it builds on."""
    if not needs_context(question, history, in_corpus):
        return question
    own = {w.lower() for w in words(question)}
    carried = [w for w in words(_built_on(history, in_corpus)) if w.lower() not in own and content_terms(w)]
    return f"{question} ({' '.join(dict.fromkeys(carried))})" if carried else question


def llm_condense(
    llm: LLM, question: str, history: Sequence[Turn], in_corpus: Callable[[str], bool] | None = None
) -> str:
    """LLM rewrite, kept only when it still carries the question's and the conversation's words."""
    fallback = keyword_condense(question, history, in_corpus)
    if not needs_context(question, history, in_corpus):
        return question
    conversation = "\n".join(f"{t.role}: {t.content}" for t in history[-6:])
    rewritten = llm.complete(CONDENSE_PROMPT.format(conversation=conversation, question=question)).text.strip()
    rewritten = rewritten.split("\n")[0].strip().strip('"')
    context_terms = set(content_terms(_built_on(history, in_corpus)))
    if not rewritten or len(rewritten) > 300 or not set(content_terms(rewritten)) & context_terms:
        return fallback
    return rewritten
