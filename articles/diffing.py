"""Readable differences between two versions of a text, as safe HTML: what went is in
<del>, what came in <ins>, word by word. Pure functions: no ORM, no templates.

Long texts are compared line by line first and word by word only within the lines that
changed (difflib compares sequences in about quadratic time), and unchanged stretches are
cut down to a little context around each change.
"""

import re
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Words and the spaces between them: spaces are kept, so the text reads as written.
TOKENS = re.compile(r"\s+|\S+")
CONTEXT_LINES = 2
# Beyond this many words a side, a changed stretch is shown as removed and added whole.
MAX_WORDS = 4000


def text_diff(old: str, new: str) -> SafeString:
    """`old` becoming `new`, escaped, with <del> and <ins> around words removed and added."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    opcodes = matcher.get_opcodes()
    parts = []
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            first, last = position == 0, position == len(opcodes) - 1
            parts.append(_context(old_lines[i1:i2], first=first, last=last))
        else:
            parts.append(_word_diff("".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text was escaped


def list_diff(old: list[str], new: list[str]) -> SafeString:
    """Items of a list (tags) kept, removed and added, in the new order."""
    parts = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts += [escape(item) for item in old[i1:i2]]
        else:
            parts += [f"<del>{escape(item)}</del>" for item in old[i1:i2]]
            parts += [f"<ins>{escape(item)}</ins>" for item in new[j1:j2]]
    return mark_safe(", ".join(parts))  # noqa: S308 - every item was escaped


def value_diff(old: str, new: str) -> SafeString:
    """A value replaced as a whole (a time, a status, a figure)."""
    return mark_safe(  # noqa: S308 - both values escaped
        (f"<del>{escape(old)}</del>" if old else "") + (f" <ins>{escape(new)}</ins>" if new else "")
    )


def _word_diff(old: str, new: str) -> str:
    old_words, new_words = TOKENS.findall(old), TOKENS.findall(new)
    if len(old_words) > MAX_WORDS or len(new_words) > MAX_WORDS:
        return _removed(old) + _added(new)
    parts = []
    for changed, i1, i2, j1, j2 in _runs(old_words, new_words):
        if changed:
            parts.append(_removed("".join(old_words[i1:i2])) + _added("".join(new_words[j1:j2])))
        else:
            parts.append(escape("".join(old_words[i1:i2])))
    return "".join(parts)


def _runs(old_words, new_words):
    """(changed, i1, i2, j1, j2) stretches, a mere space between two changes taken into
    them: "<del>saved first.</del><ins>never lost.</ins>", not word by word around it."""
    runs = []
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    opcodes = matcher.get_opcodes()
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        changed = tag != "equal"
        between_changes = 0 < position < len(opcodes) - 1
        if not changed and between_changes and not "".join(old_words[i1:i2]).strip():
            changed = True
        if runs and changed and runs[-1][0]:
            runs[-1][2], runs[-1][4] = i2, j2
        else:
            runs.append([changed, i1, i2, j1, j2])
    return runs


def _removed(text):
    return f"<del>{escape(text)}</del>" if text else ""


def _added(text):
    return f"<ins>{escape(text)}</ins>" if text else ""


def _context(lines: list[str], *, first: bool, last: bool) -> str:
    """Unchanged lines: a few next to each change, the rest said in a word."""
    head = [] if first else lines[:CONTEXT_LINES]
    tail = [] if last else lines[-CONTEXT_LINES:]
    skipped = len(lines) - len(head) - len(tail)
    if skipped <= 1:
        return escape("".join(lines))
    kept_tail = lines[len(lines) - len(tail) :] if tail else []
    gap = f'<span class="diff-gap">… {skipped} unchanged lines …</span>\n'
    return escape("".join(head)) + gap + escape("".join(kept_tail))
