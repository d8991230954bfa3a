"""Layer 2: Pygments' regex lexers, about twice as fast, with exactly Pygments' tokens.

A `RegexLexer` tries the rules of its current state one after another, in Python, at every
position, and most tries fail on the first character: about 30 `re.match` calls per token for
Python. `faster()` joins the rules of each state into one alternation `(?:r1)()|(?:r2)()|…`, which
the regex engine tries in the same order, in C. Python's alternation takes the first alternative
that matches, as the lexer takes the first rule that matches, so the result is the same rule and
the same text. Which rule it was is told by the empty group after it, the last group that closes;
that group goes after the rule, not around it, because the engine skips an alternative without
trying it when its first character cannot match, and it can see that only when the alternative
starts with the rule's own pattern. A rule whose action needs its own match object (`bygroups`,
callbacks) is matched again on its own at that position. Rules that cannot be part of a larger
pattern (backreferences and conditionals count groups) stay as they are and split the
alternation around them.

The lexing loop below is Pygments' `RegexLexer.get_tokens_unprocessed` with that one change. It
replaces the method on the lexer instances sitegen uses, and only where the lexer's class does not
override the method; Pygments' own preprocessing, filters and formatters run as before. The tests
compare every token with Pygments' own. (Upstream work on the same idea: pygments/pygments#3155.)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

from pygments.lexer import Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

Rule = tuple[Callable[..., Any], Any, Any]  # (pattern.match, action, new state), as Pygments has it
# (match function, rule by group number when it is a joined alternation, else the one rule)
Segment = tuple[Callable[[str, int], "re.Match[str] | None"], dict[int, Rule] | None, Rule]

# Patterns that cannot be one group of a larger one: numbered or named backreferences and
# conditionals count groups.
_UNFOLDABLE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")
# Global inline flags must open their pattern; i, m and s mean the same as a scoped group.
_LEADING_FLAGS = re.compile(r"\(\?([aiLmsux]+)\)")
_SCOPABLE = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}


class _Table(dict[str, list[Segment]]):
    """A lexer's states as segments, each joined the first time the lexer enters the state:
    joining costs a regex compile, a lexer has dozens of states, and code visits a few."""

    def __init__(self, tokendefs: dict[str, list[Rule]]) -> None:
        super().__init__()
        self.tokendefs = tokendefs

    def __missing__(self, state: str) -> list[Segment]:
        segments = self[state] = _segments(self.tokendefs[state])
        return segments


_tables: dict[int, _Table] = {}


def faster(lexer: Lexer) -> Lexer:
    """`lexer`, lexing with joined alternations when it is a plain `RegexLexer`."""
    if type(lexer).get_tokens_unprocessed is not RegexLexer.get_tokens_unprocessed:
        return lexer  # its class lexes its own way (or is not a RegexLexer at all)
    tokendefs = cast(Any, lexer)._tokens  # per class, or per instance (token variants)
    table = _tables.get(id(tokendefs))
    if table is None or table.tokendefs is not tokendefs:
        table = _tables[id(tokendefs)] = _Table(tokendefs)
    # an instance attribute, so Lexer.get_tokens (preprocessing, filters) calls this one
    vars(lexer)["get_tokens_unprocessed"] = functools.partial(_lex, lexer, table)
    return lexer


def _foldable(rule: Rule) -> tuple[str, int, int] | None:
    """The rule's pattern as it can stand inside a larger one, the flags to compile that with and
    its number of groups; None when it cannot."""
    pattern = getattr(rule[0], "__self__", None)
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return None
    source: str = pattern.pattern
    flags = pattern.flags
    if flags & re.VERBOSE or _UNFOLDABLE.search(source):
        return None
    leading = _LEADING_FLAGS.match(source)
    if leading is not None:
        letters = leading.group(1)
        if not set(letters) <= _SCOPABLE.keys():
            return None
        source = f"(?{letters}:{source[leading.end() :]})"
        for letter in letters:
            flags &= ~_SCOPABLE[letter]
    return source, flags, pattern.groups


def _segments(rules: Sequence[Rule]) -> list[Segment]:
    segments: list[Segment] = []
    run: list[tuple[str, int, Rule]] = []  # (pattern, its groups, rule)
    run_flags = 0

    def flush() -> None:
        if len(run) == 1:
            segments.append((run[0][2][0], None, run[0][2]))
        elif run:
            segments.extend(_joined(run, run_flags))
        run.clear()

    for rule in rules:
        foldable = _foldable(rule)
        if foldable is None:
            flush()
            segments.append((rule[0], None, rule))
            continue
        source, flags, groups = foldable
        if run and flags != run_flags:
            flush()
        run_flags = flags
        run.append((source, groups, rule))
    flush()
    return segments


def _joined(run: list[tuple[str, int, Rule]], flags: int) -> list[Segment]:
    by_group: dict[int, Rule] = {}
    group = 1
    for _, groups, rule in run:
        group += groups
        by_group[group] = rule
        group += 1
    try:
        joined = re.compile("|".join(f"(?:{source})()" for source, _, _ in run), flags)
    except (re.error, RecursionError, OverflowError):
        joined = None
    if joined is None or joined.groups != group - 1:
        return [(rule[0], None, rule) for _, _, rule in run]
    return [(joined.match, by_group, run[0][2])]


def _lex(
    lexer: Lexer, tokendefs: dict[str, list[Segment]], text: str, stack: Sequence[str] = ("root",)
) -> Iterator[tuple[int, Any, str]]:
    """Pygments' RegexLexer.get_tokens_unprocessed, trying joined alternations."""
    pos = 0
    statestack = list(stack)
    statetokens = tokendefs[statestack[-1]]
    while True:
        for match, by_group, rule in statetokens:
            m = match(text, pos)
            if m:
                if by_group is not None:
                    # the empty group after the alternative that matched closed last
                    rule = by_group[m.lastindex or 0]
                rexmatch, action, new_state = rule
                if action is not None:
                    if type(action) is _TokenType:
                        yield pos, action, m.group()
                    else:
                        if by_group is not None:
                            m = rexmatch(text, pos)  # the action reads the rule's own groups
                        yield from action(lexer, m)
                pos = m.end()
                if new_state is not None:
                    if isinstance(new_state, tuple):
                        for state in new_state:
                            if state == "#pop":
                                if len(statestack) > 1:
                                    statestack.pop()
                            elif state == "#push":
                                statestack.append(statestack[-1])
                            else:
                                statestack.append(state)
                    elif isinstance(new_state, int):
                        # pop, but keep at least one state on the stack
                        if abs(new_state) >= len(statestack):
                            del statestack[1:]
                        else:
                            del statestack[new_state:]
                    elif new_state == "#push":
                        statestack.append(statestack[-1])
                    else:
                        raise AssertionError(f"wrong state def: {new_state!r}")
                    statetokens = tokendefs[statestack[-1]]
                break
        else:
            # no rule matched here
            try:
                if text[pos] == "\n":
                    # at EOL, reset state to "root"
                    statestack = ["root"]
                    statetokens = tokendefs["root"]
                    yield pos, Whitespace, "\n"
                    pos += 1
                    continue
                yield pos, Error, text[pos]
                pos += 1
            except IndexError:
                break
