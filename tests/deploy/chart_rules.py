"""Rules about the chart's files (Chart.yaml, values.yaml documented, referenced, used and
yamllint-clean, README.md's values table, crds/) and about the objects `helm template` renders
(apiVersion, kind and name, unique, namespaced where they must be, every template covered)."""

import glob
import os
import re
import shutil
import subprocess

import yaml

from chart_model import lookup, value_paths

_SEMVER = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def check_chart_yaml(chart, report):
    where = "Chart.yaml"
    try:
        meta = yaml.safe_load(chart.chart_text) or {}
    except yaml.YAMLError as e:
        report.error(where, f"not valid YAML: {e}")
        return
    if meta.get("apiVersion") != "v2":
        report.error(where, f"apiVersion must be v2 (Helm 3), found {meta.get('apiVersion')!r}")
    if meta.get("name") != os.path.basename(os.path.normpath(chart.dir)):
        report.error(where, f"name {meta.get('name')!r} differs from the chart directory's name")
    for key in ("version", "appVersion"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            report.error(where, f"{key} is missing (or not a string: quote it)")
    if isinstance(meta.get("version"), str) and not _SEMVER.match(meta["version"]):
        report.error(where, f"version {meta['version']!r} is not SemVer 2")
    if meta.get("type", "application") != "application":
        report.error(where, "type must be application")
    if not meta.get("description"):
        report.error(where, "description is missing")


def _has_inline_comment(line):
    """True when a YAML line has a # comment after its content (quotes accounted for)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#" and i > 0 and line[i - 1] in " \t":
            return True
    return False


def check_values_documented(chart, report):
    """Every key of values.yaml (outside lists) has a comment above it or on its line."""
    lines = chart.values_text.splitlines()
    root = yaml.compose(chart.values_text)

    def walk(node, prefix):
        if not isinstance(node, yaml.MappingNode):
            return
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else key_node.value
            line_no = key_node.start_mark.line
            above = lines[line_no - 1].strip() if line_no > 0 else ""
            if not above.startswith("#") and not _has_inline_comment(lines[line_no]):
                report.error(f"values.yaml:{line_no + 1}", f"value {path} is not documented "
                             "(put a '# -- what it is' comment above it)")
            walk(value_node, path)

    walk(root, "")


def check_values_references(chart, report):
    """Every .Values reference exists in values.yaml, and every value is referenced somewhere."""
    refs = chart.values_references()
    referenced = set()
    for path, rel, line in refs:
        found, _ = lookup(chart.values, path)
        if not found:
            report.error(f"{rel}:{line}", f".Values.{path} does not exist in values.yaml")
        referenced.add(path)
    for path, leaf in value_paths(chart.values):
        if not leaf:
            continue
        # A reference to the value, or to a map that contains it (toYaml of a subtree), uses it.
        used = any(path == r or path.startswith(r + ".") for r in referenced)
        if not used:
            report.error("values.yaml", f"value {path} is not used by any template or NOTES.txt")
    return len(refs)


def check_yamllint(chart, report):
    tool = shutil.which("yamllint")
    if tool is None:
        report.error("yamllint", "not installed (scripts/setup.sh installs it)")
        return
    config = os.path.abspath(os.path.join(chart.dir, ".yamllint"))
    args = [tool, "-f", "parsable", "-s"]
    if os.path.exists(config):
        args += ["-c", config]
    args += ["values.yaml", "Chart.yaml"]
    proc = subprocess.run(args, cwd=chart.dir, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        for line in (proc.stdout + proc.stderr).strip().splitlines():
            report.error("yamllint", line)


def check_rendered_documents(rendered, report):
    """Every document `helm template` renders is an object with apiVersion, kind and a name."""
    count = 0
    for mode in rendered.MODES:
        for rel, docs in sorted(rendered.renders[mode].items()):
            for doc in docs:
                count += 1
                if not isinstance(doc, dict):
                    report.error(rel, f"a document is not a mapping ({mode})")
                    continue
                for key in ("apiVersion", "kind"):
                    if not doc.get(key):
                        report.error(rel, f"a document has no {key} ({mode})")
                if not (doc.get("metadata") or {}).get("name"):
                    report.error(rel, f"{doc.get('kind')} has no metadata.name ({mode})")
    return count


def check_template_coverage(rendered, report):
    """Every manifest template renders at least one object in some scenario, so that the rules
    see every template's output: a template no scenario renders needs a scenario that turns it on."""
    seen = {rel for mode in rendered.MODES for rel, docs in rendered.renders[mode].items() if docs}
    for rel in rendered.chart.manifest_files():
        if rel not in seen:
            report.error(rel, "no scenario in tests/deploy/scenarios/ renders it; add one that does")


def check_unique_objects(chart, report):
    """No two objects share kind, namespace and a literal name in one render."""
    for mode in chart.MODES:
        seen = {}
        for rel, doc in chart.documents(mode):
            meta = doc.get("metadata") or {}
            key = (doc.get("kind"), meta.get("namespace"), meta.get("name"))
            if key in seen:
                report.error(rel, f"{key[0]} {key[2]} is also defined in {seen[key]} ({mode})")
            seen[key] = rel


def check_readme(chart, report):
    path = os.path.join(chart.dir, "README.md")
    if not os.path.exists(path):
        report.error("README.md", "missing")
        return
    with open(path, encoding="utf-8") as f:
        readme = f.read()
    for value_path, leaf in value_paths(chart.values):
        if leaf and f"`{value_path}`" not in readme:
            report.error("README.md", f"the values table does not list `{value_path}`")
    if values_table(chart) not in readme:
        report.error("README.md", "the values table differs from values.yaml (defaults or comments); "
                     "regenerate it with `tests/deploy/check_chart.py --values-table`")


def check_file_names(chart, report):
    for rel in chart.templates:
        base = os.path.basename(rel)
        if base == "NOTES.txt" or (base.startswith("_") and base.endswith(".tpl")):
            continue
        if not base.endswith((".yaml", ".yml")):
            report.error(rel, "templates must be *.yaml (helpers _*.tpl, notes NOTES.txt)")
    for required in ("templates/NOTES.txt", "templates/_helpers.tpl", ".helmignore", "README.md"):
        if not os.path.exists(os.path.join(chart.dir, required)):
            report.error(required, "missing (part of the layout Helm users expect)")


def comment_above(lines, line_no):
    """The "# -- ..." comment block above values.yaml's line line_no, as one line of text."""
    block = []
    i = line_no - 1
    while i >= 0 and lines[i].strip().startswith("#"):
        block.insert(0, lines[i].strip().lstrip("#").strip())
        i -= 1
    text = " ".join(block)
    return text[2:].strip() if text.startswith("--") else text


def values_table(chart):
    """README.md's values table (Markdown), from values.yaml's comments: `check_chart.py --values-table`."""
    lines = chart.values_text.splitlines()
    root = yaml.compose(chart.values_text)
    rows = ["| value | default | meaning |", "| --- | --- | --- |"]

    def walk(node, prefix):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else key_node.value
            if isinstance(value_node, yaml.MappingNode) and value_node.value:
                walk(value_node, path)
                continue
            found, value = lookup(chart.values, path)
            default = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
            default = default[:-4].strip() if default.endswith("...") else default
            meaning = comment_above(lines, key_node.start_mark.line).replace("|", "\\|")
            rows.append(f"| `{path}` | `{default}` | {meaning} |")

    walk(root, "")
    return "\n".join(rows)


_CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CSIDriver", "ClusterSPIFFEID",
                   "CustomResourceDefinition", "StorageClass", "PriorityClass"}


def check_namespaces(chart, report):
    """Namespaced objects name their namespace (so `helm template | kubectl apply` lands right);
    cluster-scoped ones do not."""
    for mode in chart.MODES:
        for rel, doc in chart.documents(mode):
            meta = doc.get("metadata") or {}
            scoped = doc.get("kind") in _CLUSTER_SCOPED
            if scoped and "namespace" in meta:
                report.error(rel, f"cluster-scoped {doc.get('kind')} {meta.get('name')} "
                             f"has a namespace ({mode})")
            if not scoped and not meta.get("namespace"):
                report.error(rel, f"{doc.get('kind')} {meta.get('name')} has no metadata.namespace ({mode})")


def check_crds(chart, report):
    """Files in crds/ (installed by Helm as they are, never templated) are CRDs."""
    for path in sorted(glob.glob(os.path.join(chart.dir, "crds", "*"))):
        rel = os.path.relpath(path, chart.dir)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if "{{" in text:
            report.error(rel, "crds/ files are not templated by Helm; remove the {{ }} actions")
        try:
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as e:
            report.error(rel, f"not valid YAML: {e}")
            continue
        for doc in docs:
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                report.error(rel, "crds/ may hold only CustomResourceDefinitions")
