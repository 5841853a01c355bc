"""The real Helm (helm.sh/helm/v4/cmd/helm, built from its Go module by scripts/peers/helm.sh at
the pinned version) run on the chart: `helm lint --strict` and `helm template` for every values
scenario in tests/deploy/scenarios/, whose output the rules modules then check.

A scenario is a values file given to Helm with -f (so merged over values.yaml, and validated
with values.yaml against values.schema.json). Comment lines at its top state what must hold:
  # expect-error: TEXT           `helm template` must fail with TEXT (and `helm lint
  #                              --strict` too for fail-schema-*, values the schema refuses)
  # expect-object: KIND/NAME     an object of that kind and name is rendered
  # expect-no-object: KIND/NAME  no such object is rendered
  # expect-safe-env: NAME=VALUE  the Safe container has that environment variable
  # expect-safe-arg: ARG         the Safe's args contain ARG
  # expect-config: PATH=VALUE    safe.yaml (in the ConfigMap) has that value at the dotted PATH
  # expect-spiffeid: NAME=TMPL   the ClusterSPIFFEID NAME has exactly that spiffeIDTemplate
  # expect-safe-caps: A,B        the Safe container adds exactly these capabilities ("" for none)
Every scenario is installed as release RELEASE in namespace NAMESPACE.
"""

import glob
import os
import shutil
import subprocess
import tempfile

import yaml

import chart_model

RELEASE = "vsecm"
NAMESPACE = "vsecm-system"
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PEER_SCRIPT = os.path.join(REPO, "scripts", "peers", "helm.sh")


class Unavailable(Exception):
    """No usable helm: the message says what is wrong and to run scripts/setup.sh."""


def locate():
    """(path, version) of the pinned helm, as scripts/peers/helm.sh builds it (built or not)."""
    def ask(flag):
        proc = subprocess.run(["bash", PEER_SCRIPT, flag], capture_output=True, text=True,
                              timeout=60)
        if proc.returncode != 0:
            raise Unavailable(f"{PEER_SCRIPT} {flag} failed: {proc.stderr.strip()}")
        return proc.stdout.strip()
    return ask("--print-path"), ask("--version")


class Helm:
    """One verified helm binary, run with its own empty HELM_*_HOME (no repositories, plugins
    or kube config of the user's are read)."""

    def __init__(self, path, version):
        self.path, self.version = path, version
        hint = "run scripts/setup.sh (it builds Helm with scripts/peers/helm.sh)"
        if not os.path.isfile(path) or not os.access(path, os.X_OK):
            raise Unavailable(f"helm {version} is not built: no {path}; {hint}")
        # Go records the main module's version in the binary (what `go version -m` prints);
        # Helm's own `helm version` says only v4.3 when built without release ldflags.
        with open(path, "rb") as f:
            data = f.read()
        major = version.split(".")[0]
        stamp = f"\nmod\thelm.sh/helm/{major}\t{version}\t".encode()
        if stamp not in data:
            raise Unavailable(f"{path} is not helm {version} built from helm.sh/helm/{major} "
                              f"(no `mod helm.sh/helm/{major} {version}` in its build info); {hint}")
        self._home = tempfile.mkdtemp(prefix="vsecm-helm-home-")
        self.env = dict(os.environ, HELM_CACHE_HOME=os.path.join(self._home, "cache"),
                        HELM_CONFIG_HOME=os.path.join(self._home, "config"),
                        HELM_DATA_HOME=os.path.join(self._home, "data"),
                        KUBECONFIG=os.devnull, NO_COLOR="1")
        self.env.pop("HELM_KUBECONTEXT", None)
        proc = self.run(["version", "--template", "{{ .Version }}"])
        if proc.returncode != 0 or not version.startswith(proc.stdout.strip()):
            raise Unavailable(f"{path} version says {proc.stdout.strip()!r} {proc.stderr.strip()}; "
                              f"expected helm {version}; {hint}")

    def close(self):
        shutil.rmtree(self._home, ignore_errors=True)

    def run(self, args):
        return subprocess.run([self.path] + args, capture_output=True, text=True, timeout=120,
                              env=self.env)

    def lint(self, chart_dir, values=None):
        args = ["lint", "--strict", chart_dir, "--namespace", NAMESPACE]
        return self.run(args + (["-f", values] if values else []))

    def template(self, chart_dir, values=None):
        args = ["template", RELEASE, chart_dir, "--namespace", NAMESPACE]
        return self.run(args + (["-f", values] if values else []))


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
    """{template file (relative to the chart): [documents]} from `helm template`'s output."""
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
    """The scenarios' renders behind the interface the rules use: MODES (the scenarios' names),
    documents(mode), and the chart's values."""

    def __init__(self, chart, renders, scenario_values):
        self.chart = chart
        self.values = chart.values
        self.renders = renders                  # scenario -> {file: [docs]}
        self.scenario_values = scenario_values  # scenario -> its values file (a dict)
        self.MODES = tuple(renders)

    def documents(self, mode, include_spire=True):
        for rel, docs in sorted(self.renders[mode].items()):
            if not include_spire and rel.startswith(os.path.join("templates", "spire")):
                continue
            for doc in docs:
                if isinstance(doc, dict):
                    yield rel, doc


def scenario_files(scenario_dir):
    return sorted(glob.glob(os.path.join(scenario_dir, "*.yaml")))


def lint_scenarios(helm, chart_dir, scenario_dir, report):
    """`helm lint --strict` with the defaults and with each scenario that renders, all of which
    must pass, and with each fail-schema-* scenario, which must fail with its message. The other
    fail-* scenarios are refused by the chart's own `fail` calls, which Helm's lint mode turns
    into log lines (it carries on linting), so `helm template` alone tests them. Returns
    (lints run, fail-* scenarios left to helm template)."""
    runs, left = 1, 0
    proc = helm.lint(chart_dir)
    if proc.returncode != 0:
        report.error("helm lint --strict", (proc.stdout + proc.stderr).strip())
    for path in scenario_files(scenario_dir):
        name = os.path.basename(path)[:-len(".yaml")]
        errors = [v for k, v in read_expectations(path) if k == "expect-error"]
        if errors and not name.startswith("fail-schema-"):
            left += 1
            continue
        proc = helm.lint(chart_dir, path)
        runs += 1
        output = (proc.stdout + proc.stderr).strip()
        where = f"helm lint --strict, scenario {name}"
        if errors:
            if proc.returncode == 0:
                report.error(where, f"lint passed but must fail with {errors[0]!r}")
            elif errors[0] not in output:
                report.error(where, f"lint failed, but not with {errors[0]!r}: {output}")
        elif proc.returncode != 0:
            report.error(where, output)
    return runs, left


def render_scenarios(helm, chart_dir, scenario_dir, report):
    """`helm template` of every scenario; returns ({scenario: {file: docs}} for those expected
    to render, {scenario: its values}, how many fail-* scenarios failed as they must)."""
    renders, scenario_values, refused = {}, {}, 0
    for path in scenario_files(scenario_dir):
        name = os.path.basename(path)[:-len(".yaml")]
        expect = read_expectations(path)
        errors = [v for k, v in expect if k == "expect-error"]
        if name.startswith("fail-") != bool(errors):
            report.error(f"scenario {name}", "fail-* scenarios, and only they, need an "
                         "`# expect-error:` line")
        proc = helm.template(chart_dir, path)
        where = f"scenario {name}"
        if errors:
            if proc.returncode == 0:
                report.error(where, f"rendering succeeded but must fail with {errors[0]!r}")
            elif errors[0] not in proc.stderr:
                report.error(where, f"rendering failed, but not with {errors[0]!r}: {proc.stderr.strip()}")
            else:
                refused += 1
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
        with open(path, encoding="utf-8") as f:
            scenario_values[name] = chart_model.load_yaml(f.read()) or {}
        check_expectations(name, renders[name], expect, report)
    return renders, scenario_values, refused


# What Helm's output must never have, whatever the indentation style: trailing spaces (a
# template that emits an empty helper with nindent) and duplicate keys.
_LINT_CONFIG = ("{rules: {trailing-spaces: enable, key-duplicates: enable, "
                "truthy: {allowed-values: ['true', 'false'], check-keys: false}}}")


def lint_output(text, where, report):
    tool = shutil.which("yamllint")
    if tool is None:
        report.error(where, "yamllint is not installed (scripts/setup.sh installs it)")
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
