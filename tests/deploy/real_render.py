"""The chart rendered by helm_render (Go text/template + Sprig + Helm's functions, as Helm does)
for each values scenario in tests/deploy/scenarios/, checked with the same rules as the
approximate render plus each scenario's own expectations.

A scenario is a values file merged over values.yaml. Comment lines at its top state what must
hold:
  # expect-error: TEXT           rendering must fail with TEXT in the message
  # expect-object: KIND/NAME     an object of that kind and name is rendered
  # expect-no-object: KIND/NAME  no such object is rendered
  # expect-safe-env: NAME=VALUE  the Safe container has that environment variable
  # expect-safe-arg: ARG         the Safe's args contain ARG
  # expect-config: PATH=VALUE    safe.yaml (in the ConfigMap) has that value at the dotted PATH
  # expect-spiffeid: NAME=TMPL   the ClusterSPIFFEID NAME has exactly that spiffeIDTemplate
  # expect-safe-caps: A,B        the Safe container adds exactly these capabilities ("" for none)
"""

import glob
import os
import shutil
import subprocess

import yaml

import chart_model

SKIP = 77  # ctest's SKIP_RETURN_CODE for "cannot run here"
SPRIG_DIR = "/usr/share/gocode/src/github.com/Masterminds/sprig"


class Unavailable(Exception):
    pass


def build_helm_render(work_dir):
    """Builds helm_render into work_dir (cached by Go between runs); Unavailable without Go/Sprig."""
    go = shutil.which("go")
    if go is None or not os.path.isdir(SPRIG_DIR):
        raise Unavailable("needs Debian's golang-go, golang-github-masterminds-sprig-dev and "
                          "golang-gopkg-yaml.v2-dev")
    os.makedirs(work_dir, exist_ok=True)
    binary = os.path.join(work_dir, "helm_render")
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helm_render", "main.go")
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOFLAGS="",
               GOCACHE=os.path.join(work_dir, "gocache"), CGO_ENABLED="0")
    proc = subprocess.run([go, "build", "-o", binary, source], env=env, capture_output=True,
                          text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"building helm_render failed:\n{proc.stderr}")
    return binary


def read_expectations(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                break
            body = line[1:].strip()
            if body.startswith("expect-"):
                key, _, value = body.partition(":")
                out.append((key.strip(), value.strip()))
    return out


def split_sources(text):
    """{template file: [documents]} from helm_render's output."""
    files, current, chunk = {}, None, []

    def flush():
        if current is not None:
            docs = [d for d in chart_model.load_yaml_documents("\n".join(chunk)) if d is not None]
            files.setdefault(current, []).extend(docs)

    for line in text.splitlines():
        if line.startswith("# Source: "):
            flush()
            current = line[len("# Source: "):].split("/", 1)[1]  # drop the chart name
            chunk = []
        elif current is not None:
            chunk.append(line)
    flush()
    return files


class RenderedChart:
    """Scenario renders behind the interface the rules use (MODES, documents, values)."""

    def __init__(self, chart, renders):
        self.values = chart.values
        self.string_literals = chart.string_literals
        self.renders = renders  # scenario -> {file: [docs]}
        self.MODES = tuple(renders)

    def documents(self, mode, include_spire=True):
        for rel, docs in sorted(self.renders[mode].items()):
            if not include_spire and rel.startswith(os.path.join("templates", "spire")):
                continue
            for doc in docs:
                if isinstance(doc, dict):
                    yield rel, doc


def render_scenarios(binary, chart_dir, scenario_dir, report):
    """Renders every scenario; returns {scenario: {file: docs}} for those expected to succeed."""
    renders = {}
    for path in sorted(glob.glob(os.path.join(scenario_dir, "*.yaml"))):
        name = os.path.basename(path)[:-len(".yaml")]
        expect = read_expectations(path)
        errors = [v for k, v in expect if k == "expect-error"]
        proc = subprocess.run([binary, "-chart", chart_dir, "-f", path, "-notes", os.devnull],
                              capture_output=True, text=True, timeout=60)
        where = f"scenario {name}"
        if errors:
            if proc.returncode == 0:
                report.error(where, f"rendering succeeded but must fail with {errors[0]!r}")
            elif errors[0] not in proc.stderr:
                report.error(where, f"rendering failed, but not with {errors[0]!r}: {proc.stderr.strip()}")
            continue
        if proc.returncode != 0:
            report.error(where, f"rendering failed: {proc.stderr.strip()}")
            continue
        lint_output(proc.stdout, where, report)
        try:
            renders[name] = split_sources(proc.stdout)
        except yaml.YAMLError as e:
            report.error(where, f"rendered output is not valid YAML: {e}")
            continue
        check_expectations(name, renders[name], expect, report)
    return renders


# What Helm's output must never have, whatever the indentation style: trailing spaces (a
# template that emits an empty helper with nindent) and duplicate keys.
_LINT_CONFIG = ("{rules: {trailing-spaces: enable, key-duplicates: enable, "
                "truthy: {allowed-values: ['true', 'false'], check-keys: false}}}")


def lint_output(text, where, report):
    tool = shutil.which("yamllint")
    if tool is None:
        report.note("yamllint not found: rendered manifests not linted")
        return
    proc = subprocess.run([tool, "-f", "parsable", "-d", _LINT_CONFIG, "-"], input=text,
                          capture_output=True, text=True, timeout=60)
    lines = text.splitlines()
    for problem in proc.stdout.strip().splitlines():
        # stdin:LINE:COL: [level] message; name the template the line came from.
        parts = problem.split(":", 3)
        line = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0
        source = next((l[len("# Source: "):] for l in reversed(lines[:line])
                       if l.startswith("# Source: ")), "?")
        report.error(where, f"yamllint on the rendered {source} (output line {line}): {parts[-1].strip()}")


def _safe_container(docs):
    for doc in docs:
        if doc.get("kind") == "StatefulSet" and doc["metadata"]["name"] == "vsecm-safe":
            for c in doc["spec"]["template"]["spec"]["containers"]:
                if c["name"] == "safe":
                    return c
    return None


def check_expectations(name, files, expect, report):
    docs = [d for ds in files.values() for d in ds if isinstance(d, dict)]
    objects = {f"{d.get('kind')}/{(d.get('metadata') or {}).get('name')}" for d in docs}
    safe = _safe_container(docs) or {}
    env = {e["name"]: e.get("value") for e in safe.get("env") or []}
    conf = {}
    for d in docs:
        if d.get("kind") == "ConfigMap" and d["metadata"]["name"] == "vsecm-safe-config":
            conf = yaml.safe_load(d["data"]["safe.yaml"]) or {}
    ids = {d["metadata"]["name"]: (d.get("spec") or {}).get("spiffeIDTemplate")
           for d in docs if d.get("kind") == "ClusterSPIFFEID"}
    where = f"scenario {name}"
    for key, value in expect:
        if key == "expect-object" and value not in objects:
            report.error(where, f"no {value} rendered")
        elif key == "expect-no-object" and value in objects:
            report.error(where, f"{value} must not be rendered")
        elif key == "expect-safe-env":
            var, _, want = value.partition("=")
            if env.get(var) != want:
                report.error(where, f"Safe env {var} is {env.get(var)!r}, expected {want!r}")
        elif key == "expect-safe-caps":
            caps = ((safe.get("securityContext") or {}).get("capabilities") or {}).get("add") or []
            if ",".join(caps) != value:
                report.error(where, f"Safe adds capabilities {caps}, expected [{value}]")
        elif key == "expect-safe-arg" and value not in (safe.get("args") or []):
            report.error(where, f"Safe args {safe.get('args')} lack {value}")
        elif key == "expect-spiffeid":
            id_name, _, want = value.partition("=")
            if ids.get(id_name) != want:
                report.error(where, f"ClusterSPIFFEID {id_name} template is "
                             f"{ids.get(id_name)!r}, expected {want!r}")
        elif key == "expect-config":
            path, _, want = value.partition("=")
            found, got = chart_model.lookup(conf, path)
            if not found or str(got).lower() != want.lower():
                report.error(where, f"safe.yaml {path} is {got!r}, expected {want!r}")
