"""The subset of XLSForm expressions Dozor understands, for relevance and constraints.

Supported: ``${name} = 'value'``, ``!=``, ``>``, ``<``, ``>=``, ``<=`` against a quoted string or a
number; ``.`` for the current answer in constraints; ``selected(${name}, 'value')``; ``and``,
``or``, ``not(...)`` and parentheses. Anything else is refused with a clear message rather than
guessed at, so that the online form, ODK Collect and KoboCollect always agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

TOKEN_RE = re.compile(
    r"\s*(?:(?P<ref>\$\{[a-z][a-z0-9_]*\})|(?P<dot>\.(?![0-9]))|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<str>'[^']*'|\"[^\"]*\")|(?P<op>!=|>=|<=|=|>|<)|(?P<punct>[(),])|(?P<word>[a-z_]+))"
)
COMPARISONS = {"=", "!=", ">", "<", ">=", "<="}


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    source = source.strip()
    while position < len(source):
        match = TOKEN_RE.match(source, position)
        if not match or match.end() == position:
            raise ExpressionError(
                _("Cannot read the expression at '%(rest)s'.") % {"rest": source[position:][:30]}
            )
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
        while position < len(source) and source[position].isspace():
            position += 1
    return tokens


Node = (
    tuple  # ("or", a, b) | ("and", a, b) | ("not", a) | ("cmp", op, ref, literal) | ("selected", ref, value)
)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, kind: str | None = None, text: str | None = None) -> Token:
        token = self.peek()
        if token is None or (kind and token.kind != kind) or (text and token.text != text):
            expected = text or kind or ""
            found = token.text if token else _("the end")
            raise ExpressionError(
                _("Expected %(expected)s, found %(found)s.") % {"expected": expected, "found": found}
            )
        self.index += 1
        return token

    def parse(self) -> Node:
        node = self.or_expr()
        if self.peek() is not None:
            raise ExpressionError(_("Unexpected '%(text)s'.") % {"text": self.peek().text})  # type: ignore[union-attr]
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while (token := self.peek()) is not None and token.kind == "word" and token.text == "or":
            self.index += 1
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        node = self.unary()
        while (token := self.peek()) is not None and token.kind == "word" and token.text == "and":
            self.index += 1
            node = ("and", node, self.unary())
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise ExpressionError(_("The expression is incomplete."))
        if token.kind == "word" and token.text == "not":
            self.index += 1
            self.take("punct", "(")
            inner = self.or_expr()
            self.take("punct", ")")
            return ("not", inner)
        if token.kind == "word" and token.text == "selected":
            self.index += 1
            self.take("punct", "(")
            ref = self.reference()
            self.take("punct", ",")
            value = self.take("str").text[1:-1]
            self.take("punct", ")")
            return ("selected", ref, value)
        if token.kind == "punct" and token.text == "(":
            self.index += 1
            inner = self.or_expr()
            self.take("punct", ")")
            return inner
        ref = self.reference()
        op = self.take("op").text
        literal = self.peek()
        if literal is None or literal.kind not in ("str", "num"):
            raise ExpressionError(_("A comparison needs a quoted text or a number on its right."))
        self.index += 1
        value = literal.text[1:-1] if literal.kind == "str" else literal.text
        return ("cmp", op, ref, value, literal.kind == "num")

    def reference(self) -> str:
        token = self.peek()
        if token is not None and token.kind == "ref":
            self.index += 1
            return token.text[2:-1]
        if token is not None and token.kind == "dot":
            self.index += 1
            return "."
        found = token.text if token else _("the end")
        raise ExpressionError(
            _("Expected a question reference like ${name}, found %(found)s.") % {"found": found}
        )


def parse(source: str) -> Node:
    """Parse an expression; raise ExpressionError (translated message) if it is outside the subset."""
    if not source.strip():
        raise ExpressionError(_("The expression is empty."))
    return _Parser(tokenize(source)).parse()


def references(node: Node) -> set[str]:
    kind = node[0]
    if kind in ("or", "and"):
        return references(node[1]) | references(node[2])
    if kind == "not":
        return references(node[1])
    if kind == "cmp":
        return {node[2]} - {"."}
    if kind == "selected":
        return {node[1]} - {"."}
    return set()


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def evaluate(node: Node, values: Mapping[str, str], current: str = "") -> bool:
    """Evaluate against answers (XLSForm canonical text); an unanswered question is ''."""
    kind = node[0]
    if kind == "or":
        return evaluate(node[1], values, current) or evaluate(node[2], values, current)
    if kind == "and":
        return evaluate(node[1], values, current) and evaluate(node[2], values, current)
    if kind == "not":
        return not evaluate(node[1], values, current)
    if kind == "selected":
        value = current if node[1] == "." else values.get(node[1], "")
        return node[2] in value.split()
    _kind, op, ref, literal, numeric = node
    value = current if ref == "." else values.get(ref, "")
    if op in ("=", "!="):
        number = _number(value) if numeric else None
        equal = number == float(literal) if number is not None else value == literal
        return equal if op == "=" else not equal
    a, b = _number(value), _number(literal)
    if a is None or b is None:
        return False
    return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]


def check(source: str, *, allowed_names: set[str] | None = None, allow_dot: bool = False) -> Node:
    """Parse and check references: only earlier questions (and ``.`` in constraints)."""
    node = parse(source)
    if not allow_dot and _uses_dot(node):
        raise ExpressionError(_("'.' (the answer itself) is only allowed in constraints."))
    if allowed_names is not None:
        unknown = sorted(references(node) - allowed_names)
        if unknown:
            raise ExpressionError(
                _("The expression refers to %(names)s, which is not an earlier question.")
                % {"names": ", ".join(unknown)}
            )
    return node


def _uses_dot(node: Node) -> bool:
    kind = node[0]
    if kind in ("or", "and"):
        return _uses_dot(node[1]) or _uses_dot(node[2])
    if kind == "not":
        return _uses_dot(node[1])
    if kind == "cmp":
        return node[2] == "."
    if kind == "selected":
        return node[1] == "."
    return False
