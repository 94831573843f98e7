"""Finding the names that some patterns match among thousands, with no Python loop over the names:
one regular-expression scan per package prefix over a text of newline-separated names."""

from __future__ import annotations

import re
from typing import Iterable

_HEAD = re.compile(r"[\w/:]+\\\.")  # a pattern's literal package prefix ("runtime\.")


class NamePatterns:
    """Regular expressions each matched against a whole name from its start (as ``re.match`` does;
    "$" ends the name). Patterns with the same literal package prefix are scanned for together, and
    the prefix lets the regex engine skip quickly to its occurrences (a pattern without one makes
    its scan try every position)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = list(patterns)
        self._compiled = [re.compile(p) for p in self.patterns]
        heads: dict[str, list[str]] = {}
        for pattern in self.patterns:
            head = _HEAD.match(pattern)
            prefix = head.group() if head else ""
            heads.setdefault(prefix, []).append(pattern[len(prefix) :])
        self._scans = [re.compile(f"{prefix}(?:{'|'.join(rests)})", re.M) for prefix, rests in heads.items()]

    def which(self, name: str) -> int | None:
        """The index of the first pattern that matches ``name``, or None."""
        return next((i for i, p in enumerate(self._compiled) if p.match(name)), None)

    def starts(self, text: str) -> list[int]:
        """Where the matched strings start in ``text`` (newline-separated strings, after a newline and
        before one), in order: each string a pattern matches, and each tail of a string that one does
        (a linker may store one name as the tail of another: ``setenv`` inside ``unsetenv``)."""
        found = set()
        for scan in self._scans:
            m = scan.search(text)
            while m:
                found.add(m.start())
                m = scan.search(text, m.start() + 1)
        return sorted(found)

    def matched(self, text: str, tails: bool = True) -> list[str]:
        """The strings at ``starts(text)``, in order (without the tails of other strings unless ``tails``)."""
        return [text[s : text.index("\n", s)] for s in self.starts(text) if tails or text[s - 1] == "\n"]

    def names_in(self, names: Iterable[str]) -> list[str]:
        """The ``names`` a pattern matches, in order."""
        return self.matched("\n" + "\n".join(names) + "\n", tails=False)
