"""Evaluates the simple conditions of Helm templates against values.yaml's defaults.

Supported: .Values paths ($.Values too), string/number/bool literals, parentheses, and the
functions not, and, or, eq, ne, empty. Anything else (include, lookup, has, ...) is UNKNOWN and
the renderer then falls back to rendering the first branch.
"""

import re

UNKNOWN = object()
_TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|`[^`]*`|[^\s()]+)')


def truthy(value):
    """Go template truth: false, 0, nil and empty strings/collections are false."""
    return not (value is None or value is False or value == 0 or value == "" or
                (isinstance(value, (list, dict)) and not value))


def _tokens(text):
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or not m.group(1):
            break
        out.append(m.group(1))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.pos = tokens, 0

    def command(self, until_paren):
        words = []
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            if tok == ")":
                if until_paren:
                    self.pos += 1
                    return words
                raise ValueError("unbalanced )")
            self.pos += 1
            words.append(self.command(True) if tok == "(" else tok)
        if until_paren:
            raise ValueError("unbalanced (")
        return words


class Evaluator:
    def __init__(self, values):
        self.values = values

    def condition(self, action_text):
        """The truth of an if/with/else-if clause, or UNKNOWN."""
        words = action_text.split(None, 1)
        if words and words[0] == "else":
            words = words[1].split(None, 1) if len(words) > 1 else []
        if len(words) < 2 or words[0] not in ("if", "with", "range"):
            return UNKNOWN
        pipeline = words[1]
        if "|" in pipeline or ":=" in pipeline or re.search(r"(^|\s)\$\w", pipeline):
            return UNKNOWN
        try:
            tree = _Parser(_tokens(pipeline)).command(False)
            value = self._eval_command(tree)
        except ValueError:
            return UNKNOWN
        return UNKNOWN if value is UNKNOWN else truthy(value)

    def _eval_command(self, words):
        if not words:
            return UNKNOWN
        head = words[0]
        if isinstance(head, list):
            return self._eval_command(head) if len(words) == 1 else UNKNOWN
        if len(words) == 1:
            return self._eval_arg(head)
        args = [self._eval_arg(w) for w in words[1:]]
        if head == "not" and len(args) == 1:
            return UNKNOWN if args[0] is UNKNOWN else not truthy(args[0])
        if head == "empty" and len(args) == 1:
            return UNKNOWN if args[0] is UNKNOWN else not truthy(args[0])
        if head in ("eq", "ne") and len(args) == 2:
            if UNKNOWN in args:
                return UNKNOWN
            return (args[0] == args[1]) == (head == "eq")
        if head == "and":
            for a in args:  # Go's and stops at the first false argument.
                if a is UNKNOWN:
                    return UNKNOWN
                if not truthy(a):
                    return a
            return args[-1]
        if head == "or":
            for a in args:
                if a is UNKNOWN:
                    return UNKNOWN
                if truthy(a):
                    return a
            return args[-1]
        return UNKNOWN

    def _eval_arg(self, word):
        if isinstance(word, list):
            return self._eval_command(word)
        if word.startswith(("\"", "`")):
            return word[1:-1]
        if word in ("true", "false"):
            return word == "true"
        if re.fullmatch(r"-?\d+", word):
            return int(word)
        m = re.fullmatch(r"\$?\.Values((?:\.[A-Za-z_]\w*)+)", word)
        if m:
            node = self.values
            for key in m.group(1)[1:].split("."):
                if not isinstance(node, dict) or key not in node:
                    return None
                node = node[key]
            return node
        return UNKNOWN
