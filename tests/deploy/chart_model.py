"""Loads a Helm chart's files from disk (the rules' view of the chart as written), plus the
helpers the rules share: a report of problems and a strict YAML loader."""

import os

import yaml

import template_scan


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


class Chart:
    """The chart's files as written: values.yaml, values.schema.json, Chart.yaml and the
    templates' sources (scanned for .Values references, never rendered here: Helm renders)."""

    def __init__(self, chart_dir, report):
        self.dir = chart_dir
        self.report = report
        self.values_text = self._read("values.yaml")
        self.values = load_yaml(self.values_text) or {}
        self.chart_text = self._read("Chart.yaml")
        self.schema_text = None
        if os.path.exists(os.path.join(chart_dir, "values.schema.json")):
            self.schema_text = self._read("values.schema.json")
        self.templates = {}   # rel path -> source
        self.items = {}       # rel path -> tokens
        for rel in self._template_files():
            src = self._read(rel)
            self.templates[rel] = src
            try:
                self.items[rel] = template_scan.tokenize(src, rel)
            except template_scan.TemplateError as e:
                report.error(f"{e.name}:{e.line}", e.message)

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
        return [rel for rel in self.templates
                if not os.path.basename(rel).startswith("_") and not rel.endswith("NOTES.txt")]

    def values_references(self):
        """(dotted path, file, line) of every .Values reference in templates and NOTES.txt."""
        refs = []
        for rel, items in self.items.items():
            for path, line in template_scan.values_references(items):
                refs.append((path, rel, line))
        return refs


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
