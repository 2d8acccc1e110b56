"""One JSON document read from a file a value at a time, for exports too large to hold.

The standard library's decoder does the decoding (`raw_decode`, one value at a time);
what is here only walks the objects and arrays around those values and keeps a window
of the file, so that memory holds the value being read, never the whole document.
"""

import json
import re

CHUNK = 1024 * 1024  # characters read at a time
WHITESPACE = re.compile(r"[ \t\n\r]*")


class JsonError(ValueError):
    """Not valid JSON; the message says where."""


class ValueTooLarge(JsonError):
    """A value longer than the stream's limit; the message says where it starts."""


class JsonStream:
    def __init__(self, file, *, value_limit: int):
        self.file = file  # a text file
        self.value_limit = value_limit  # the most characters one value read whole may have
        self.buffer = ""
        self.position = 0
        self.line = 1  # of the buffer's start
        self.line_start = 0  # index in the buffer where that line starts (may be negative)
        self.ended = False
        self.decoder = json.JSONDecoder()

    def members(self):
        """The keys of the object that comes next; after each, the caller reads or skips
        its value before asking for the next key."""
        self._expect("{")
        if self._peek() == "}":
            self.position += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                self._fail("Expecting property name enclosed in double quotes")
            self._expect(":")
            yield key
            if self._next_of(",}") == "}":
                return

    def elements(self):
        """For each element of the array that comes next, a turn for the caller to read
        or skip it (yielding its position)."""
        self._expect("[")
        if self._peek() == "]":
            self.position += 1
            return
        position = 0
        while True:
            yield position
            position += 1
            if self._next_of(",]") == "]":
                return

    def value(self):
        """The value that comes next, decoded whole."""
        self._peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as error:
                if self.ended or not _may_be_cut_short(error, self.buffer):
                    self._fail(error.msg, error.pos)
            else:
                # A number or literal at the window's edge may go on past it.
                if end < len(self.buffer) or self.ended:
                    self.position = end
                    return value
            if len(self.buffer) - self.position > self.value_limit:
                self._fail(f"over {self.value_limit:,} characters", error_class=ValueTooLarge)
            self._read_more()

    def kind(self) -> str:
        """What comes next: "{", "[" or "" for any other value."""
        char = self._peek()
        return char if char in "{[" else ""

    def skip(self):
        """Pass over the value that comes next, an array or object one element at a time."""
        kind = self.kind()
        if kind == "{":
            for _key in self.members():
                self.skip()
        elif kind == "[":
            for _position in self.elements():
                self.skip()
        else:
            self.value()

    def _peek(self) -> str:
        while True:
            self.position = WHITESPACE.match(self.buffer, self.position).end()
            if self.position < len(self.buffer) or self.ended:
                return self.buffer[self.position : self.position + 1]
            self._read_more()

    def _expect(self, char):
        if self._peek() != char:
            self._fail(f"Expecting {char!r}")
        self.position += 1

    def _next_of(self, chars) -> str:
        char = self._peek()
        if not char or char not in chars:
            self._fail(f"Expecting {' or '.join(map(repr, chars))}")
        self.position += 1
        return char

    def _read_more(self):
        # What was read already goes, its lines counted for the messages.
        done = self.buffer[: self.position]
        newlines = done.count("\n")
        if newlines:
            self.line += newlines
            self.line_start = done.rfind("\n") + 1
        self.line_start -= self.position
        self.buffer = self.buffer[self.position :]
        self.position = 0
        more = self.file.read(max(CHUNK, len(self.buffer)))
        self.ended = not more
        self.buffer += more

    def _fail(self, message, at=None, *, error_class=JsonError):
        at = self.position if at is None else at
        before = self.buffer[:at]
        newlines = before.count("\n")
        line = self.line + newlines
        column = at - (before.rfind("\n") + 1 if newlines else self.line_start) + 1
        raise error_class(f"{message} (line {line}, column {column})")


def _may_be_cut_short(error: json.JSONDecodeError, buffer: str) -> bool:
    """Whether the decoder stopped only because the window ends: more may mend it."""
    return error.msg.startswith("Unterminated string") or error.pos >= len(buffer) - 16
