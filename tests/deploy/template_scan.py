"""Finds the `.Values` references of Helm templates without rendering them (Helm renders them:
tests/deploy/helm_cli.py), so that values.yaml can be checked against every branch of every
template, taken or not: each reference exists in values.yaml, and each value is referenced.

The lexer follows Go's text/template: text and actions ("{{ ... }}"), string, raw-string and
char literals inside actions (so "{{" and "}}" in a literal do not end an action), comments
("{{/* ... */}}", which are skipped) and the trim markers "{{- " and " -}}".
"""

import re

_SPACE = " \t\r\n"


class TemplateError(Exception):
    """A template whose actions Go's lexer would refuse (unclosed action, comment or literal)."""

    def __init__(self, name, line, message):
        super().__init__(f"{name}:{line}: {message}")
        self.name, self.line, self.message = name, line, message


class Action:
    def __init__(self, text, line, trim_left, trim_right, comment):
        self.text, self.line = text, line
        self.trim_left, self.trim_right, self.comment = trim_left, trim_right, comment


def _skip_literal(src, i, name, line):
    """Returns the index after the Go literal starting at src[i] (a quote, backquote or apostrophe)."""
    quote = src[i]
    j = i + 1
    while j < len(src):
        c = src[j]
        if quote != "`" and c == "\\":
            j += 2
            continue
        if c == quote:
            return j + 1
        if quote != "`" and c == "\n":
            break
        j += 1
    raise TemplateError(name, line, f"unterminated {quote} literal in an action")


def tokenize(src, name="<template>"):
    """Splits `src` into str (text) and Action items."""
    items = []
    i = 0
    line = 1
    while True:
        start = src.find("{{", i)
        if start < 0:
            items.append(src[i:])
            break
        items.append(src[i:start])
        line += src.count("\n", i, start)
        k = start + 2
        trim_left = src.startswith("-", k) and k + 1 < len(src) and src[k + 1] in _SPACE
        if trim_left:
            k += 2
        if src.startswith("/*", k):
            end_comment = src.find("*/", k + 2)
            if end_comment < 0:
                raise TemplateError(name, line, "unclosed comment")
            m = end_comment + 2
            trim_right = src.startswith(" -}}", m)
            if trim_right:
                m += 2
            if not src.startswith("}}", m):
                raise TemplateError(name, line, "comment ends with */ but no }} follows")
            items.append(Action("", line, trim_left, trim_right, comment=True))
            line += src.count("\n", start, m + 2)
            i = m + 2
            continue
        m = k
        while True:
            if m >= len(src):
                raise TemplateError(name, line, "unclosed action (no matching }})")
            c = src[m]
            if c in "\"`'":
                m = _skip_literal(src, m, name, line)
            elif src.startswith("}}", m):
                break
            else:
                m += 1
        inner = src[k:m]
        trim_right = len(inner) >= 2 and inner[-1] == "-" and inner[-2] in _SPACE
        if trim_right:
            inner = inner[:-1]
        items.append(Action(inner.strip(), line, trim_left, trim_right, comment=False))
        line += src.count("\n", start, m + 2)
        i = m + 2
    return items


def values_references(items):
    """(path, line) of every .Values.a.b reference in the actions (comments excluded)."""
    refs = []
    for item in items:
        if isinstance(item, Action) and not item.comment:
            for m in re.finditer(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", item.text):
                refs.append((m.group(1)[1:], item.line))
    return refs
