"""Finding a file's YAML front matter and loading it as untrusted data.

Safe YAML only (no object construction), aliases refused (their expansion is how a few
lines eat all memory), and everything YAML accepts but Python cannot hold (2025-02-31, an
integer of 5,000 digits) or silently resolves (a key given twice) refused with its line.
"""

import collections
import contextlib
import textwrap

import yaml
from yaml.constructor import ConstructorError

from .problems import refuse
from .values import MAX_NESTING, kind

_SAFE_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
_OPENING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class _RefusedValue(ConstructorError):
    """YAML that parses but that the importer will not take; `key` is its top-level key."""

    def __init__(self, message, mark):
        super().__init__(None, None, message, mark)
        self.key = None
        self.first_mark = None  # for a repeated key: where it was first given


class FrontMatterLoader(_SAFE_LOADER):
    def construct_document(self, node):
        self._root = node
        return super().construct_document(node)

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as error:
            raise _RefusedValue(_unreadable(node, error), node.start_mark) from None

    def construct_mapping(self, node, deep=False):
        try:
            self._refuse_repeated_keys(node)
            return super().construct_mapping(node, deep=deep)
        except _RefusedValue as error:
            if node is self._root and error.key is None:
                error.key = _key_holding(node, error.problem_mark)
            raise

    def _refuse_repeated_keys(self, node):
        first = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = (key_node.tag, key_node.value)
            if key not in first:
                first[key] = (key_node, value_node)
            elif not _same(first[key][1], value_node):
                error = _RefusedValue("given twice with different values", key_node.start_mark)
                error.first_mark = first[key][0].start_mark
                if node is self._root:
                    error.key = key_node.value
                else:
                    error.problem = f"{key_node.value[:40]!r} is {error.problem}"
                raise error


def _unreadable(node, error) -> str:
    text = node.value if isinstance(node, yaml.ScalarNode) else ""
    if node.tag.endswith(":int"):
        return f"a number of {len(text):,} digits is too long to keep"
    if node.tag.endswith(":timestamp"):
        return f"{text[:40]!r} is not a real date ({error})"
    return f"{text[:40]!r} cannot be read ({error})"


def _key_holding(mapping, mark) -> str | None:
    for key_node, value_node in mapping.value:
        inside = value_node.start_mark.index <= mark.index <= value_node.end_mark.index
        if inside and isinstance(key_node, yaml.ScalarNode):
            return key_node.value
    return None


def _same(node, other) -> bool:
    # The same text given twice loses nothing; anything else would be a silent choice.
    return (
        isinstance(node, yaml.ScalarNode)
        and isinstance(other, yaml.ScalarNode)
        and (node.tag, node.value) == (other.tag, other.value)
    )


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(YAML source, body, line number of the YAML's first line), or (None, text, 0)."""
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines) or lines[start].strip() != "---":
        return None, text, 0
    indent = len(lines[start]) - len(lines[start].lstrip())
    for end in range(start + 1, len(lines)):
        line = lines[end]
        # A "---" indented deeper than the opening one belongs to a value, not the fence.
        if line.strip() == "---" and len(line) - len(line.lstrip()) <= indent:
            yaml_source = textwrap.dedent("\n".join(lines[start + 1 : end]))
            return yaml_source, "\n".join(lines[end + 1 :]), start + 2
    raise refuse("front matter", "no closing '---' line")


def load_front_matter(source: str, first_line: int = 1) -> dict:
    """The front matter as a dict with text keys; InvalidArticle says what is wrong where."""

    def line(mark):
        return mark.line + first_line

    def refuse_deep_nesting(events):
        depth = 0
        for event in events:
            depth += isinstance(event, _OPENING) - isinstance(event, _CLOSING)
            if depth > MAX_NESTING + 1:  # the top-level mapping is not nesting
                raise refuse(
                    "front matter",
                    f"nested more than {MAX_NESTING} levels deep "
                    f"(line {line(event.start_mark)})",
                )
            yield event

    try:
        for event in refuse_deep_nesting(yaml.parse(source, Loader=_SAFE_LOADER)):
            if isinstance(event, yaml.AliasEvent):
                where = line(event.start_mark) if event.start_mark else "?"
                raise refuse(
                    "front matter",
                    f"YAML aliases (*{event.anchor}) are not accepted (line {where})",
                )
        meta = yaml.load(source, Loader=FrontMatterLoader)  # noqa: S506 - a SafeLoader
    except _RefusedValue as error:
        where = line(error.problem_mark)
        if error.first_mark:
            message = (
                f"{error.problem} (lines {line(error.first_mark)} and {where}); "
                "keep the one that is right"
            )
        else:
            message = f"{error.problem} (line {where})"
        raise refuse(error.key or "front matter", message) from None
    except yaml.MarkedYAMLError as error:
        # libyaml stops at its own depth limit before yielding the events that pass ours:
        # the pure-Python parser, which has none, tells whether that was the reason.
        with contextlib.suppress(yaml.YAMLError):
            collections.deque(refuse_deep_nesting(yaml.parse(source, Loader=yaml.SafeLoader)))
        mark = error.problem_mark or error.context_mark
        where = f" (line {line(mark)}, column {mark.column + 1})" if mark else ""
        problem = error.problem or error.context or "unreadable"
        raise refuse("front matter", f"not valid YAML: {problem}{where}") from None
    except yaml.YAMLError as error:
        raise refuse("front matter", f"not valid YAML: {error}") from None
    except RecursionError:
        raise refuse("front matter", "the YAML is nested too deeply") from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise refuse("front matter", f"expected 'key: value' lines, got {kind(meta)}")
    bad_keys = [key for key in meta if not isinstance(key, str)]
    if bad_keys:
        raise refuse("front matter", f"keys must be text, got {kind(bad_keys[0])}")
    return meta
