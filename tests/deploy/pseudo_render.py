"""Approximate rendering of Helm (Go text/template) files without Helm, for structural checks.

What it does, faithfully to Go's text/template lexer:
  * splits a file into text and actions ("{{ ... }}"), honouring string, raw-string and char
    literals inside actions (so "{{" and "}}" in a literal do not end an action) and comments;
  * applies the trim markers "{{- " and " -}}" (they remove all adjacent white space, newlines
    included) exactly as Go does;
  * checks that if/with/range/define/block are closed by end, and else appears only inside them.

What it approximates (and so cannot check):
  * in "first branch" mode every condition is taken as true: an if/with renders its first
    branch only, a range renders its body once, else branches are dropped; in "defaults" mode the
    conditions condition_eval can decide from values.yaml pick their branch (the others still
    take the first). Values-dependent output is therefore checked for two combinations only;
  * `include "name" ... [| nindent N | indent N]` of a define known from the chart's files renders
    that define's body (recursively, with the same rules); with any other function in the
    pipeline the include becomes a placeholder scalar;
  * an action whose pipeline uses toYaml, indent or nindent (not through a known include) emits
    nothing: its YAML shape comes from values and is unknown here;
  * assignments ($x := ...), fail, comments and control actions emit nothing;
  * every other action emits the placeholder scalar TPL.
So the output is the YAML Helm would produce for the first branch of every conditional, with
scalars standing in for values. Types of templated scalars, value-dependent branches and the
functions' semantics are beyond it.
"""

import re

from condition_eval import UNKNOWN

PLACEHOLDER = "TPL"
_SPACE = " \t\r\n"
_BLOCK_OPENERS = ("if", "with", "range", "define", "block")
_OUTPUT_BLOCK_FUNCS = re.compile(r"\b(toYaml|nindent|indent)\b")
_ASSIGNMENT = re.compile(r"^\$[A-Za-z0-9_]*\s*:?=")
_INCLUDE = re.compile(r'^(?:include|template)\s+"([^"]+)"')
_INDENT_FUNC = re.compile(r"^(n?indent)\s+(\d+)$")


class TemplateError(Exception):
    """A template that Go would refuse to parse (or that this renderer cannot follow)."""

    def __init__(self, name, line, message):
        super().__init__(f"{name}:{line}: {message}")
        self.name, self.line, self.message = name, line, message


class Action:
    def __init__(self, text, line, trim_left, trim_right, comment):
        self.text, self.line = text, line
        self.trim_left, self.trim_right, self.comment = trim_left, trim_right, comment

    @property
    def keyword(self):
        return self.text.split(None, 1)[0] if self.text else ""


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
    """Splits `src` into str (text) and Action items; trim markers are applied to the text."""
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
    # Trim markers remove all adjacent white space, as in Go.
    for idx, item in enumerate(items):
        if isinstance(item, Action):
            if item.trim_left and idx > 0 and isinstance(items[idx - 1], str):
                items[idx - 1] = items[idx - 1].rstrip(_SPACE)
            if item.trim_right and idx + 1 < len(items) and isinstance(items[idx + 1], str):
                items[idx + 1] = items[idx + 1].lstrip(_SPACE)
    return items


class Block:
    """if/with/range/define/block: branches is a list of (opening action, children)."""

    def __init__(self, kind, opener):
        self.kind, self.opener = kind, opener
        self.branches = [(opener, [])]


def parse(items, name="<template>"):
    """Builds the block tree; raises TemplateError for unbalanced control structure."""
    root = []
    stack = []  # Blocks
    current = root
    for item in items:
        if isinstance(item, str):
            current.append(item)
            continue
        if item.comment:
            continue
        kw = item.keyword
        if kw in _BLOCK_OPENERS:
            block = Block(kw, item)
            current.append(block)
            stack.append(block)
            current = block.branches[0][1]
        elif kw == "else":
            if not stack or stack[-1].kind not in ("if", "with", "range"):
                raise TemplateError(name, item.line, "{{ else }} outside if/with/range")
            stack[-1].branches.append((item, []))
            current = stack[-1].branches[-1][1]
        elif kw == "end":
            if not stack:
                raise TemplateError(name, item.line, "{{ end }} without an open if/with/range/define")
            stack.pop()
            current = stack[-1].branches[-1][1] if stack else root
        else:
            current.append(item)
    if stack:
        block = stack[-1]
        raise TemplateError(name, block.opener.line,
                            f"unclosed {{{{ {block.kind} }}}} (no matching {{{{ end }}}})")
    return root


def collect_defines(tree, defines, name):
    for node in tree:
        if isinstance(node, Block):
            if node.kind in ("define", "block"):
                m = re.match(r'^(?:define|block)\s+"([^"]+)"', node.opener.text)
                if not m:
                    raise TemplateError(name, node.opener.line, "define without a literal name")
                if m.group(1) in defines:
                    raise TemplateError(name, node.opener.line, f'template "{m.group(1)}" defined twice')
                defines[m.group(1)] = (name, node.branches[0][1])
            for _, children in node.branches:
                collect_defines(children, defines, name)


def split_pipeline(text):
    """Splits an action's pipeline at top-level '|' (outside literals and parentheses)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "\"`'":
            i = _skip_literal(text, i, "<pipeline>", 0)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
        i += 1
    parts.append(text[start:].strip())
    return parts


def _indent(text, n):
    pad = " " * n
    return pad + text.replace("\n", "\n" + pad)


class Renderer:
    """Renders parsed trees. With an evaluator (condition_eval.Evaluator), conditions it can decide
    from the values' defaults choose their branch; the others take the first branch."""

    def __init__(self, defines, evaluator=None):
        self.defines = defines  # name -> (file, children)
        self.evaluator = evaluator

    def _branch(self, block):
        if self.evaluator is None:
            return block.branches[0][1]
        for clause, children in block.branches:
            if clause.text == "else":
                return children
            truth = self.evaluator.condition(clause.text)
            if truth is UNKNOWN or truth:
                return children
        return []

    def render(self, tree, name, depth=0):
        if depth > 20:
            raise TemplateError(name, 0, "include recursion deeper than 20")
        out = []
        for node in tree:
            if isinstance(node, str):
                out.append(node)
            elif isinstance(node, Block):
                if node.kind in ("if", "with", "range"):
                    out.append(self.render(self._branch(node), name, depth))
                elif node.kind == "block":
                    out.append(self.render(node.branches[0][1], name, depth))
            else:
                out.append(self._output(node, name, depth))
        return "".join(out)

    def _output(self, action, name, depth):
        text = action.text
        if not text or _ASSIGNMENT.match(text) or text.split(None, 1)[0] in ("fail", "break", "continue"):
            return ""
        stages = split_pipeline(text)
        m = _INCLUDE.match(stages[0])
        if m:
            if m.group(1) not in self.defines:
                raise TemplateError(name, action.line, f'include of undefined template "{m.group(1)}"')
            def_file, children = self.defines[m.group(1)]
            body = self.render(children, def_file, depth + 1)
            rest = stages[1:]
            if not rest:
                return body
            if len(rest) == 1:
                fm = _INDENT_FUNC.match(rest[0])
                if fm:
                    indented = _indent(body, int(fm.group(2)))
                    return "\n" + indented if fm.group(1) == "nindent" else indented
            return PLACEHOLDER
        if _OUTPUT_BLOCK_FUNCS.search(text):
            return ""
        return PLACEHOLDER


def values_references(items):
    """(path, line) of every .Values.a.b reference in the actions (comments excluded)."""
    refs = []
    for item in items:
        if isinstance(item, Action) and not item.comment:
            for m in re.finditer(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", item.text):
                refs.append((m.group(1)[1:], item.line))
    return refs
