"""The XLSForm expression subset used for relevance and constraints."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dozor.methodology import expressions
from dozor.methodology.expressions import ExpressionError, check, evaluate, parse, references


@pytest.mark.parametrize(
    ("source", "tree"),
    [
        ("${a} = 'yes'", ("cmp", "=", "a", "yes", False)),
        ('${a} != "no"', ("cmp", "!=", "a", "no", False)),
        ("${n} >= 18", ("cmp", ">=", "n", "18", True)),
        (". < -2.5", ("cmp", "<", ".", "-2.5", True)),
        ("selected(${m}, 'heat')", ("selected", "m", "heat")),
        ("not(${a} = 'yes')", ("not", ("cmp", "=", "a", "yes", False))),
        (
            "${a} = 'x' or ${b} = 'y' and ${c} = 'z'",
            (
                "or",
                ("cmp", "=", "a", "x", False),
                ("and", ("cmp", "=", "b", "y", False), ("cmp", "=", "c", "z", False)),
            ),
        ),
        (
            "(${a} = 'x' or ${b} = 'y') and ${c} = 'z'",
            (
                "and",
                ("or", ("cmp", "=", "a", "x", False), ("cmp", "=", "b", "y", False)),
                ("cmp", "=", "c", "z", False),
            ),
        ),
    ],
)
def test_it_parses_the_subset(source, tree):
    assert parse(source) == tree


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("${a} + 1 = 2", "Cannot read"),
        ("count(${a}) > 1", "Expected"),
        ("${a} = ", "A comparison needs"),
        ("${a} = ${b}", "A comparison needs"),
        ("(${a} = 'x'", "Expected )"),
        ("${a} = 'x')", "Unexpected"),
        ("${A} = 'x'", "Cannot read"),
        ("'x' = ${a}", "question reference"),
        ("${a} = 'x' and", "incomplete"),
        ("selected(${a}, 3)", "Expected str"),
        ("${a} = 'unterminated", "Cannot read"),
    ],
)
def test_it_refuses_what_is_outside_the_subset(source, fragment):
    with pytest.raises(ExpressionError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        parse(source)


def test_it_refuses_the_dot_outside_constraints_and_later_questions():
    with pytest.raises(ExpressionError, match="only allowed in constraints"):
        check(". > 1")
    assert check(". > 1", allow_dot=True)
    with pytest.raises(ExpressionError, match="refers to b, c"):
        check("${a} = 'x' or ${b} = 'y' or ${c} = 'z'", allowed_names={"a"})


def test_it_lists_references_without_the_dot():
    assert references(parse("(${a} = 'x' or not(selected(${b}, 'y'))) and . > 1")) == {"a", "b"}


@pytest.mark.parametrize(
    ("source", "values", "current", "expected"),
    [
        ("${a} = 'yes'", {"a": "yes"}, "", True),
        ("${a} = 'yes'", {}, "", False),  # unanswered is ''
        ("${a} != 'yes'", {}, "", True),
        ("${n} = 12", {"n": "12.0"}, "", True),  # numbers compare as numbers
        ("${n} = 12", {"n": "twelve"}, "", False),
        ("${n} > 2", {"n": "10"}, "", True),  # not as text ('10' < '2')
        ("${n} > 2", {"n": ""}, "", False),
        ("${n} <= 2", {"n": "x"}, "", False),
        (". >= 0", {}, "0", True),
        (". >= 0", {}, "-1", False),
        (". < 100", {}, "99.5", True),
        ("selected(${m}, 'heat')", {"m": "crowding heat"}, "", True),
        ("selected(${m}, 'hea')", {"m": "crowding heat"}, "", False),
        ("selected(., 'x')", {}, "x y", True),
        ("not(${a} = 'yes')", {"a": "no"}, "", True),
        ("${a} = 'x' or ${b} = 'y' and ${c} = 'z'", {"a": "x"}, "", True),
        ("(${a} = 'x' or ${b} = 'y') and ${c} = 'z'", {"a": "x"}, "", False),
        ("${t} = 'Камерада терезе жоқ'", {"t": "Камерада терезе жоқ"}, "", True),
    ],
)
def test_it_evaluates_against_canonical_answers(source, values, current, expected):
    assert evaluate(parse(source), values, current=current) is expected


# --- properties ---------------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "n", "cell_count"])
LITERALS = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.decimals(-1000, 1000, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.text(alphabet=st.characters(blacklist_characters="'\"", blacklist_categories=("Cs",)), max_size=8).map(
        lambda s: f"'{s}'"
    ),
)
OPS = st.sampled_from(["=", "!=", ">", "<", ">=", "<="])


def _comparison(ref: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda r, op, lit: f"{r} {op} {lit}", ref, OPS, LITERALS)


REFS = st.one_of(NAMES.map(lambda n: "${" + n + "}"), st.just("."))
ATOMS = st.one_of(
    _comparison(REFS),
    st.builds(lambda r, v: f"selected({r}, '{v}')", REFS, st.sampled_from(["x", "heat", "", "a b"])),
)
EXPRESSIONS = st.recursive(
    ATOMS,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"{a} and {b}", inner, inner),
        st.builds(lambda a, b: f"{a} or {b}", inner, inner),
        inner.map(lambda a: f"not({a})"),
        inner.map(lambda a: f"({a})"),
    ),
    max_leaves=12,
)
ANSWERS = st.dictionaries(
    NAMES, st.one_of(st.text(max_size=10), st.integers().map(str), st.floats().map(str))
)


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS, ANSWERS, st.one_of(st.text(max_size=10), st.floats().map(str)))
def test_it_never_crashes_evaluating_a_parsed_expression(source, values, current):
    node = parse(source)
    assert evaluate(node, values, current=current) in (True, False)
    assert references(node) <= {"a", "b", "n", "cell_count"}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_it_either_parses_or_refuses_any_text(source):
    try:
        node = parse(source)
    except ExpressionError:
        return
    assert evaluate(node, {}) in (True, False)
    assert isinstance(expressions.references(node), set)
