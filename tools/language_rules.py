"""Count the lines of language rules in some folders (default: qa/ and index/).

A line of language rules is a physical line holding a string literal that spells words of a
natural language as data: a regular expression or a word list, a table's word key. Counted:
string literals (docstrings left out; comments are not strings) that keep a run of two or
more letters once regex syntax is removed (escapes such as ``\\b``, character classes,
``(?:`` and inline flags), and that stand in a rule context: a logical line that calls
``re.``, ``.split(`` or ``frozenset(``, or assigns a module-level constant (``NAME = …`` or
``_NAME = …`` in capitals). File names, paths, MIME types and identifiers are not words.
Messages built inside functions are not rules and are not
counted; module-level message constants are (the count is the same before and after a
change, so they only add a constant).

Usage, from the repository root: ``python3 tools/language_rules.py [--show] [folder ...]``.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tokenize
from pathlib import Path

_CONSTANT = re.compile(r"^_?[A-Z][A-Z0-9_]*\s*(?::[^=]+)?=[^=]")
_RULE_CALL = re.compile(r"\bre\.\w+\(|\.split\(|\bfrozenset\(")
_REGEX_SYNTAX = re.compile(r"\\.|\[[^\]]*\]|\(\?[a-zA-Z]*:?|\(\?P<\w+>|\{\d*,?\d*\}")
_LETTERS = re.compile(r"[^\W\d_]{2,}")
# File names, paths, MIME types, dotted or dashed identifiers, CONSTANT_NAMES: not language.
_IDENTIFIER = re.compile(r"[\w.\-/:+]*[._/:+\-][\w.\-/:+]*|[A-Z0-9_]+|[0-9a-f]{32,}")


def _logical_lines(source: str) -> list[list[tokenize.TokenInfo]]:
    lines: list[list[tokenize.TokenInfo]] = []
    current: list[tokenize.TokenInfo] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            if current:
                lines.append(current)
            current = []
        elif token.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT,
                                tokenize.DEDENT):
            current.append(token)
    return lines


def _literal_text(token: tokenize.TokenInfo) -> str:
    prefix = re.match(r"^[rRbBuUfF]*", token.string).group()
    body = token.string[len(prefix):]
    if "f" in prefix.lower():  # an f-string's {expressions} are code, not text
        body = re.sub(r"\{[^{}]*\}", " ", body.replace("{{", "").replace("}}", ""))
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    return body[len(quote):-len(quote)] if len(body) >= 2 * len(quote) else body


def rule_lines(path: Path) -> list[int]:
    """Line numbers of ``path`` that hold language rules (see the module docstring)."""
    source = path.read_text(encoding="utf-8")
    found: set[int] = set()
    for line in _logical_lines(source):
        strings = [t for t in line if t.type == tokenize.STRING]
        if not strings or all(t.type == tokenize.STRING for t in line):
            continue  # no literal, or a docstring / bare string statement
        first = line[0]
        text = source.splitlines()[first.start[0] - 1:line[-1].end[0]]
        joined = "\n".join(text)
        module_constant = first.start[1] == 0 and bool(_CONSTANT.match(joined))
        if not (module_constant or _RULE_CALL.search(joined)):
            continue
        for token in strings:
            literal = _literal_text(token)
            if not _IDENTIFIER.fullmatch(literal) and \
                    _LETTERS.search(_REGEX_SYNTAX.sub(" ", literal)):
                found.update(range(token.start[0], token.end[0] + 1))
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", default=["qa", "index"])
    parser.add_argument("--show", action="store_true", help="print every counted line")
    args = parser.parse_args()
    total = 0
    for folder in args.folders:
        for path in sorted(Path(folder).rglob("*.py")):
            lines = rule_lines(path)
            total += len(lines)
            if lines:
                print(f"{len(lines):5d}  {path}")
            if args.show:
                source = path.read_text(encoding="utf-8").splitlines()
                for n in lines:
                    print(f"        {n:4d}: {source[n - 1].strip()[:110]}")
    print(f"{total:5d}  total ({', '.join(args.folders)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
