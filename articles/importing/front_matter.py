"""Finding a file's front matter and loading it as untrusted data.

Three syntaxes, as static-site generators write them: YAML between `---` lines, TOML
between `+++` lines (Hugo, Zola), and a JSON object opening the file (Hugo); `---json`,
`---toml` and `---yaml` fences (Eleventy, Astro's gray-matter) name theirs. Each is held
to the same rules: nothing nested more than MAX_NESTING deep, no key given twice with
different values, nothing Python cannot hold, and every refusal names its line.

YAML: safe YAML only (no object construction), aliases refused (their expansion is how a
few lines eat all memory), and everything YAML accepts but Python cannot hold (2025-02-31,
an integer of 5,000 digits) or silently resolves (a key given twice) refused with its line.
"""

import collections
import contextlib
import json
import re
import textwrap
import tomllib
from dataclasses import dataclass

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


@dataclass(frozen=True)
class FrontMatter:
    syntax: str  # a key of LOADERS
    source: str
    first_line: int  # the line of the file the source's first line is


# An opening fence and the syntax it announces; the closing fence is the same without
# the syntax's name. Anything else after "---" (Eleventy's ---js) is refused by name.
FENCES = {"---": "yaml", "---yaml": "yaml", "---json": "json", "---toml": "toml", "+++": "toml"}
_NAMED_FENCE = re.compile(r"^(---|\+\+\+)([a-z]*)$")


def read_front_matter(text: str) -> tuple[dict | None, str]:
    """(The front matter as a dict with text keys, the body), or (None, text) for a file
    without. InvalidArticle says what is wrong, and where."""
    front, body = split_front_matter(text)
    if front is None:
        return None, text
    meta = LOADERS[front.syntax](front.source, front.first_line)
    _refuse_deep_nesting(meta, front.syntax)
    return meta, body


def split_front_matter(text: str) -> tuple[FrontMatter | None, str]:
    """(The front matter, the body after it), or (None, text)."""
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines):
        return None, text
    opening = lines[start].strip()
    # A text that opens with a brace ("{Editor's note}") is not taken for JSON.
    if opening == "{" or opening.startswith('{"'):
        return _split_json_object(text, text.index("{"))
    fence = _NAMED_FENCE.match(opening)
    if fence is None:
        return None, text
    if opening not in FENCES:
        raise refuse(
            "front matter",
            f"{opening[:20]!r} front matter is not read; write it as YAML (---), TOML (+++) "
            "or JSON (---json)",
        )
    closing = fence[1]
    indent = len(lines[start]) - len(lines[start].lstrip())
    for end in range(start + 1, len(lines)):
        line = lines[end]
        # A "---" indented deeper than the opening one belongs to a value, not the fence.
        if line.strip() == closing and len(line) - len(line.lstrip()) <= indent:
            source = textwrap.dedent("\n".join(lines[start + 1 : end]))
            front = FrontMatter(FENCES[opening], source, start + 2)
            return front, "\n".join(lines[end + 1 :])
    raise refuse("front matter", f"no closing {closing!r} line")


def _split_json_object(text: str, start: int) -> tuple[FrontMatter, str]:
    """Hugo's JSON front matter: an object opening the file, the body after its `}`."""
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        end = len(text)  # load_json says what is wrong, and where
    # Line numbers of the object are the file's: it is loaded with the lines before it.
    source = "\n" * text.count("\n", 0, start) + text[start:end]
    return FrontMatter("json", source, 1), text[end:].removeprefix("\n")


def load_json(source: str, first_line: int = 1) -> dict:
    def pairs(items):
        meta = {}
        for key, value in items:
            if key in meta and meta[key] != value:
                raise _RefusedJSON(
                    key, "given twice with different values; keep the one that is right"
                )
            meta[key] = value
        return meta

    def no_constant(name):
        raise _RefusedJSON(None, f"{name} is not a number JSON allows")

    def number(text):
        if len(text.lstrip("-")) > MAX_DIGITS:
            raise _RefusedJSON(None, f"a number of {len(text):,} digits is too long to keep")
        return int(text)

    try:
        meta = json.loads(
            source, object_pairs_hook=pairs, parse_constant=no_constant, parse_int=number
        )
    except json.JSONDecodeError as error:
        where = f"line {error.lineno + first_line - 1}, column {error.colno}"
        raise refuse("front matter", f"not valid JSON: {error.msg} ({where})") from None
    except _RefusedJSON as error:
        raise refuse(error.key or "front matter", error.message) from None
    except RecursionError:
        raise refuse("front matter", "the JSON is nested too deeply") from None
    if not isinstance(meta, dict):
        raise refuse("front matter", f"expected a JSON object, got {kind(meta)}")
    return meta


class _RefusedJSON(Exception):
    def __init__(self, key, message):
        super().__init__(message)
        self.key, self.message = key, message


# Python refuses integers longer than this from text (sys.get_int_max_str_digits()).
MAX_DIGITS = 4300
_TOML_PLACE = re.compile(r" \(at line (\d+), column (\d+)\)$")
_TOML_END = " (at end of document)"


def load_toml(source: str, first_line: int = 1) -> dict:
    try:
        # Times with an offset come as aware datetimes, those without as naive ones,
        # which parse_date reads in the import's time zone like YAML's.
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        place = _TOML_PLACE.search(message)
        if place:
            line = int(place[1]) + first_line - 1
            message = f"{message[: place.start()]} (line {line}, column {place[2]})"
        elif message.startswith("Cannot overwrite a value"):
            # tomllib finds a repeated key only once the document is read, and says so.
            repeated = _repeated_toml_key(source)
            if repeated:
                key, first, again = repeated
                raise refuse(
                    key,
                    f"given twice (lines {first + first_line - 1} and {again + first_line - 1}); "
                    "keep the one that is right",
                ) from None
            message = "a key is given twice"
        elif message.endswith(_TOML_END):
            last_line = source.count("\n") + first_line
            message = f"{message.removesuffix(_TOML_END)} (by line {last_line}, its end)"
        # tomllib says "Cannot overwrite a value" for a key given twice.
        raise refuse("front matter", f"not valid TOML: {message}") from None
    except ValueError as error:  # an integer of 5,000 digits
        raise refuse("front matter", f"not valid TOML: {error}") from None
    except RecursionError:
        raise refuse("front matter", "the TOML is nested too deeply") from None


_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]")
_TOML_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


def _repeated_toml_key(source: str) -> tuple[str, int, int] | None:
    """(key, line first given, line given again) of a key repeated within a table, as far
    as lines tell (a dotted or inline-table repeat is left to tomllib's own words)."""
    seen: dict[tuple[str, str], int] = {}
    table = ""
    for number, line in enumerate(source.split("\n"), start=1):
        if header := _TOML_TABLE.match(line):
            table = header[1]
        elif key := _TOML_KEY.match(line):
            name = key[1].strip("\"'")
            if (table, name) in seen:
                return (f"{table}.{name}" if table else name), seen[table, name], number
            seen[table, name] = number
    return None


def _refuse_deep_nesting(meta: dict, syntax: str):
    # YAML's nesting is checked as it is parsed; the others are checked once loaded.
    if syntax == "yaml":
        return
    pending = [(value, 1) for value in meta.values()]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_NESTING:
                raise refuse("front matter", f"nested more than {MAX_NESTING} levels deep")
            items = value.values() if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)


def load_yaml(source: str, first_line: int = 1) -> dict:
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
                    f"nested more than {MAX_NESTING} levels deep (line {line(event.start_mark)})",
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


LOADERS = {"yaml": load_yaml, "toml": load_toml, "json": load_json}
