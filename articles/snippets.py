"""Search result excerpts: the part of an article's text around the reader's words.

An excerpt begins and ends with whole words (a word is whatever lies between spaces, so
`weren’t`, `AT&T` and `U.S.` are never cut), starts at the beginning of a sentence when one
is near, shows an ellipsis wherever text was left out, and marks the matched words with
<mark>; everything else is escaped. Which words matched is the database's answer when it
knows better (PostgreSQL's ts_headline matches by stem: "flooded" finds "flooding"), or a
plain comparison of words (SQLite). Pure functions of text: no database here.
"""

import html
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# The tags of sanitised HTML: nh3 escapes every `<` of text and every `>` in an attribute
# value, so this finds exactly the tags. PostgreSQL removes them with the same pattern
# (ArticleQuerySet.search) so that its excerpt is a piece of the very text built here.
TAG_PATTERN = "<[^>]*>"
START_SEL, STOP_SEL = "<mark>", "</mark>"
EXCERPT_WORDS = 35
# A sentence that starts at most this many words before the first match is shown whole.
CONTEXT_WORDS = 8
# Only this much text around the match is looked at: bodies run to 300,000 characters.
REGION_CHARS = 2000

_TAG = re.compile(TAG_PATTERN)
_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_SELECTION = re.compile(f"({re.escape(START_SEL)}|{re.escape(STOP_SEL)})")


def text_of_html(body_html: str) -> str:
    """The text of sanitised HTML, as PostgreSQL is given it (tags become spaces)."""
    return html.unescape(_TAG.sub(" ", body_html or ""))


def around_words(text: str, words: list[str]) -> SafeString:
    """The excerpt around the first place any of `words` appears (in any case), every
    word holding one of them marked; the beginning of the text when none does."""
    words = [word for word in words if word]
    pattern = re.compile("|".join(map(re.escape, words)), re.IGNORECASE) if words else None
    found = pattern.search(text) if pattern else None
    first, last = found.span() if found else (0, 0)

    def marks(start, end):
        return _marked_words(text, start, end, pattern) if pattern else []

    return _excerpt(text, first, last, marks)


def around_excerpt(text: str, excerpt: str) -> SafeString:
    """PostgreSQL's ts_headline excerpt of `text` (its matches between START_SEL and
    STOP_SEL), widened to whole words, and to a sentence's start when one is near.
    ts_headline's own edges fall inside words (`weren’t` ends as `weren`), and it says
    nothing of what it left out."""
    pieces, marked, selected = [], [], False
    for piece in _SELECTION.split(excerpt):
        if piece in (START_SEL, STOP_SEL):
            selected = piece == START_SEL
            continue
        offset = sum(map(len, pieces))
        pieces.append(html.unescape(piece))
        if selected:
            marked.append((offset, offset + len(pieces[-1])))
    found = "".join(pieces)
    start = text.find(found) if found.strip() else -1
    if start == -1:  # not expected; the words it matched are still known
        return around_words(text, [found[left:right] for left, right in marked])
    spans = [(start + left, start + right) for left, right in marked]
    # The excerpt shown may reach past ts_headline's: the same words are marked there too.
    forms = {found[left:right] for left, right in marked}
    same_words = re.compile(
        r"\b(?:" + "|".join(map(re.escape, sorted(forms))) + r")\b", re.IGNORECASE
    )

    def marks(begin, end):
        return _merged(spans + (_marked_words(text, begin, end, same_words) if forms else []))

    return _excerpt(text, start, start + len(found), marks)


def _excerpt(text, first, last, marks):
    """Whole words from the one holding text[first] to the one holding text[last - 1],
    widened to EXCERPT_WORDS, as escaped HTML with the spans `marks(start, end)` names
    in <mark> and an ellipsis on each side where text was left out."""
    low = max(0, first - REGION_CHARS)
    high = min(len(text), max(last, first + 1) + REGION_CHARS)
    tokens = [match.span() for match in _TOKEN.finditer(text, low, high)]
    # A token cut by the region's edges is not a whole word.
    if tokens and tokens[0][0] == low and low > 0 and not text[low - 1].isspace():
        tokens.pop(0)
    if tokens and tokens[-1][1] == high and high < len(text) and not text[high].isspace():
        tokens.pop()
    if not tokens:
        return mark_safe("")  # noqa: S308 - nothing to show
    first_token = next((i for i, (_s, end) in enumerate(tokens) if end > first), 0)
    last_token = max(
        [i for i, (start, _e) in enumerate(tokens) if start < last] or [first_token]
    )
    begin = _sentence_start(text, tokens, first_token)
    end = min(len(tokens) - 1, max(last_token, begin + EXCERPT_WORDS - 1))
    if end - begin + 1 < EXCERPT_WORDS and begin > 0:
        # Near the end of the text: show more of what comes before instead.
        earliest = max(0, end - EXCERPT_WORDS + 1)
        begin = next(
            (
                index
                for index in range(earliest, min(begin, earliest + CONTEXT_WORDS) + 1)
                if _starts_sentence(text, tokens, index)
            ),
            earliest,
        )
    start, stop = tokens[begin][0], tokens[end][1]

    parts, position = [], start
    for left, right in sorted(marks(start, stop)):
        left, right = max(left, position), min(right, stop)
        if left >= right:
            continue
        parts += [escape(text[position:left]), START_SEL, escape(text[left:right]), STOP_SEL]
        position = right
    parts.append(escape(text[position:stop]))
    shown = " ".join("".join(parts).split())
    if text[:start].strip():
        shown = f"… {shown}"
    if text[stop:].strip():
        shown = f"{shown} …"
    return mark_safe(shown)  # noqa: S308 - every piece of text is escaped above


def _sentence_start(text, tokens, index):
    """The nearest token at most CONTEXT_WORDS before `index` that begins a sentence or a
    paragraph, else a few words of context before it."""
    for candidate in range(index, max(-1, index - CONTEXT_WORDS - 1), -1):
        if _starts_sentence(text, tokens, candidate):
            return candidate
    return max(0, index - CONTEXT_WORDS // 2)


def _starts_sentence(text, tokens, index):
    if index == 0:
        return not text[: tokens[0][0]].strip()
    previous_start, previous_end = tokens[index - 1]
    return bool(
        _SENTENCE_END.search(text, previous_start, previous_end)
        or "\n" in text[previous_end : tokens[index][0]]
    )


def _marked_words(text, start, end, pattern):
    """Spans of the words within text[start:end] that hold a match of `pattern`: a whole
    word is marked (`glaciers` for "glacier"), its punctuation is not."""
    spans = []
    for token in _TOKEN.finditer(text, start, end):
        words = [word.span() for word in _WORD.finditer(text, *token.span())]
        for found in pattern.finditer(text, *token.span()):
            left, right = found.span()
            for word_left, word_right in words:
                if word_left < found.end() and found.start() < word_right:
                    left, right = min(left, word_left), max(right, word_right)
            spans.append((left, right))
    return _merged(spans)


def _merged(spans):
    merged = []
    for left, right in sorted(spans):
        if merged and left <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], right))
        else:
            merged.append((left, right))
    return merged
