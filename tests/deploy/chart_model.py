"""Loads a Helm chart from disk and renders its templates approximately (see pseudo_render)."""

import os
import re

import yaml

import condition_eval
import pseudo_render


class Report:
    """Collects problems; every message names the file (and line when known)."""

    def __init__(self):
        self.errors = []
        self.notes = []

    def error(self, where, message):
        self.errors.append(f"{where}: {message}")

    def note(self, message):
        self.notes.append(message)


# libyaml's parser when python3-yaml has it (several times faster), else the pure-Python one.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):
    """A safe loader that refuses duplicate mapping keys (Kubernetes and Helm refuse them too)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return _BaseLoader.construct_mapping(loader, node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_documents(text):
    return list(yaml.load_all(text, Loader=_StrictLoader))


def load_yaml(text):
    return yaml.load(text, Loader=_StrictLoader)


class RenderedFile:
    def __init__(self, rel, text, documents, error):
        self.rel, self.text, self.documents, self.error = rel, text, documents, error


class Chart:
    MODES = ("defaults", "first-branch")

    def __init__(self, chart_dir, report):
        self.dir = chart_dir
        self.report = report
        self.values_text = self._read("values.yaml")
        self.values = load_yaml(self.values_text) or {}
        self.chart_text = self._read("Chart.yaml")
        self.templates = {}   # rel path -> source
        self.items = {}       # rel path -> tokens
        self.trees = {}       # rel path -> parsed tree
        self.defines = {}
        for rel in self._template_files():
            src = self._read(rel)
            self.templates[rel] = src
            try:
                self.items[rel] = pseudo_render.tokenize(src, rel)
                self.trees[rel] = pseudo_render.parse(self.items[rel], rel)
                pseudo_render.collect_defines(self.trees[rel], self.defines, rel)
            except pseudo_render.TemplateError as e:
                report.error(f"{e.name}:{e.line}", e.message)
        self.rendered = {mode: self._render(mode) for mode in self.MODES}

    def _read(self, rel):
        with open(os.path.join(self.dir, rel), encoding="utf-8") as f:
            return f.read()

    def _template_files(self):
        out = []
        base = os.path.join(self.dir, "templates")
        for root, _, files in os.walk(base):
            for name in files:
                out.append(os.path.relpath(os.path.join(root, name), self.dir))
        return sorted(out)

    def manifest_files(self):
        """Templates that produce manifests (not helpers, not NOTES.txt)."""
        return [rel for rel in self.trees
                if not os.path.basename(rel).startswith("_") and not rel.endswith("NOTES.txt")]

    def _render(self, mode):
        evaluator = condition_eval.Evaluator(self.values) if mode == "defaults" else None
        renderer = pseudo_render.Renderer(self.defines, evaluator)
        out = {}
        for rel in self.manifest_files():
            try:
                text = renderer.render(self.trees[rel], rel)
            except pseudo_render.TemplateError as e:
                self.report.error(f"{e.name}:{e.line}", e.message)
                continue
            try:
                docs = [d for d in load_yaml_documents(text) if d is not None]
                out[rel] = RenderedFile(rel, text, docs, None)
            except yaml.YAMLError as e:
                out[rel] = RenderedFile(rel, text, [], e)
        return out

    def documents(self, mode, include_spire=True):
        for rel, rendered in sorted(self.rendered[mode].items()):
            if not include_spire and rel.startswith(os.path.join("templates", "spire")):
                continue
            for doc in rendered.documents:
                if isinstance(doc, dict):
                    yield rel, doc

    def values_references(self):
        """(dotted path, file, line) of every .Values reference in templates and NOTES.txt."""
        refs = []
        for rel, items in self.items.items():
            for path, line in pseudo_render.values_references(items):
                refs.append((path, rel, line))
        return refs

    def string_literals(self):
        """(literal, file, line) of every double-quoted literal inside template actions."""
        out = []
        for rel, items in self.items.items():
            for item in items:
                if isinstance(item, pseudo_render.Action) and not item.comment:
                    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', item.text):
                        out.append((m.group(1).encode().decode("unicode_escape"), rel, item.line))
        return out


def value_paths(values, prefix=""):
    """Every key path of values.yaml: (path, is_leaf). Lists and empty maps are leaves."""
    out = []
    if isinstance(values, dict):
        for key, val in values.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            leaf = not (isinstance(val, dict) and val)
            out.append((path, leaf))
            if not leaf:
                out.extend(value_paths(val, path))
    return out


def lookup(values, path):
    """(found, value) for a dotted path in values."""
    node = values
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node
