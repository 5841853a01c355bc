#!/usr/bin/env python3
"""Checks deploy/helm/vsecm with the real Helm, and deploy/docker, without a cluster or a
container engine.

  python3 tests/deploy/check_chart.py --static [--chart DIR] [--docker DIR] [--repo DIR]
  python3 tests/deploy/check_chart.py --lint [--helm PATH --helm-version V] [--chart DIR]
  python3 tests/deploy/check_chart.py --template [--helm PATH --helm-version V] [--chart DIR] [-v]
  python3 tests/deploy/check_chart.py --values-table

--static checks the chart's files as written (no Helm): Chart.yaml, crds/, the layout, every
value documented, used by a template (in any branch) and listed in README.md, every .Values
reference present in values.yaml, values.schema.json in step with values.yaml, yamllint on
values.yaml and Chart.yaml; and the Dockerfile rules.
--lint runs `helm lint --strict` with the defaults and with every scenario in scenarios/ that
renders (all must pass) or that the schema refuses (fail-schema-*: lint must fail with the
message). Helm's lint mode only logs the chart's own `fail` calls, so the other fail-* scenarios
are --template's.
--template runs `helm template` for every scenario and checks what Helm renders: each
scenario's expectations, that fail-* scenarios (contradictory values, values the schema
refuses) fail with their message, valid YAML without duplicate keys or trailing spaces, every
template rendered by some scenario, and the rules on the objects: pod security, the Safe's
StatefulSet, root key Secret, RBAC, VSecM's SPIFFE IDs, the Safe's configuration (against
docs/CONFIGURATION.md and the plugins' declared settings), namespaces, unique objects.

Helm is the one scripts/peers/helm.sh builds (from helm.sh/helm/v4 at its pinned version; run
scripts/setup.sh first); --helm and --helm-version name it explicitly (CMake passes them). A
missing or different helm is a failure, never a skip. Exit status 0 when every rule passes, 1
when any fails (each failure is printed with its file and, where known, its line), 2 on a
usage error.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import yaml  # noqa: F401  (python3-yaml, installed by scripts/setup.sh)
except ImportError:
    print("check_chart: python3-yaml is missing (scripts/setup.sh installs it)", file=sys.stderr)
    sys.exit(1)

import chart_model  # noqa: E402
import chart_rules  # noqa: E402
import docker_rules  # noqa: E402
import helm_cli  # noqa: E402
import schema_rules  # noqa: E402
import security_rules  # noqa: E402

SCENARIOS = os.path.join(HERE, "scenarios")


def _finish(report, summary):
    print(summary)
    for note in report.notes:
        print(f"note: {note}")
    if report.errors:
        for error in report.errors:
            print(f"FAIL {error}")
        print(f"check_chart: {len(report.errors)} problem(s)")
        return 1
    print("check_chart: all rules pass")
    return 0


def _load_chart(chart_dir, report):
    for required in ("Chart.yaml", "values.yaml", "templates"):
        if not os.path.exists(os.path.join(chart_dir, required)):
            print(f"check_chart: {chart_dir} has no {required}", file=sys.stderr)
            return None
    try:
        return chart_model.Chart(chart_dir, report)
    except Exception as e:  # values.yaml or Chart.yaml that does not even parse
        print(f"check_chart: cannot load the chart: {e}", file=sys.stderr)
        return None


def open_helm(path, version):
    """A verified helm, or None after printing why there is none (a failure, not a skip)."""
    try:
        if not path or not version:
            path, version = helm_cli.locate()
        return helm_cli.Helm(path, version)
    except helm_cli.Unavailable as e:
        print(f"FAIL {e}")
        return None


def run_static(chart_dir, docker_dir, repo_root):
    report = chart_model.Report()
    chart = _load_chart(chart_dir, report)
    if chart is None:
        return 1
    chart_rules.check_file_names(chart, report)
    chart_rules.check_chart_yaml(chart, report)
    chart_rules.check_crds(chart, report)
    chart_rules.check_values_documented(chart, report)
    refs = chart_rules.check_values_references(chart, report)
    schema_keys = schema_rules.check_values_schema(chart, report)
    chart_rules.check_yamllint(chart, report)
    chart_rules.check_readme(chart, report)
    dockerfiles = 0
    if docker_dir:
        dockerfiles = docker_rules.check_docker_dir(docker_dir, report, chart.values.get("images"))
    values = [p for p, leaf in chart_model.value_paths(chart.values) if leaf]
    return _finish(report, f"check_chart --static: {len(chart.templates)} template files, {refs} "
                   f".Values references, {len(values)} values, {schema_keys} keys checked against "
                   f"values.schema.json, {dockerfiles} Dockerfiles")


def run_lint(chart_dir, helm):
    report = chart_model.Report()
    runs, left = helm_cli.lint_scenarios(helm, chart_dir, SCENARIOS, report)
    return _finish(report, f"check_chart --lint: helm {helm.version} lint --strict, {runs} runs "
                   f"(the defaults and the scenarios; {left} fail-* scenarios refused by the "
                   "chart's `fail`, which lint mode only logs, are left to --template)")


def run_template(chart_dir, repo_root, helm, verbose=False):
    report = chart_model.Report()
    chart = _load_chart(chart_dir, report)
    if chart is None:
        return 1
    renders, scenario_values, refused = helm_cli.render_scenarios(helm, chart_dir, SCENARIOS, report)
    if "defaults" not in renders:
        report.error("scenarios", "the defaults scenario did not render")
        return _finish(report, "check_chart --template: no default render")
    rendered = helm_cli.RenderedChart(chart, renders, scenario_values)
    if verbose:
        for mode in rendered.MODES:
            for rel, doc in rendered.documents(mode):
                print(f"--- {rel} ({mode})\n{yaml.safe_dump(doc, sort_keys=False)}")
    docs = chart_rules.check_rendered_documents(rendered, report)
    chart_rules.check_template_coverage(rendered, report)
    chart_rules.check_unique_objects(rendered, report)
    chart_rules.check_namespaces(rendered, report)
    containers = security_rules.check_pod_security(rendered, report)
    security_rules.check_safe_statefulset(rendered, report)
    security_rules.check_root_key_secret(rendered, report)
    security_rules.check_rbac(rendered, report)
    security_rules.check_spiffe_ids(rendered, report, helm_cli.NAMESPACE)
    security_rules.check_safe_config(rendered, report, repo_root)
    total = len(helm_cli.scenario_files(SCENARIOS))
    return _finish(report, f"check_chart --template: helm {helm.version}, {total} scenarios "
                   f"({len(renders)} rendered, {refused} refused as expected), {docs} documents, "
                   f"{containers} VSecM containers checked")


def main():
    repo = os.path.dirname(os.path.dirname(HERE))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--static", action="store_true", help="the chart's files and the Dockerfiles")
    what.add_argument("--lint", action="store_true", help="helm lint --strict of every scenario")
    what.add_argument("--template", action="store_true", help="helm template of every scenario")
    what.add_argument("--values-table", action="store_true",
                      help="print README.md's values table generated from values.yaml and exit")
    parser.add_argument("--chart", default=os.path.join(repo, "deploy", "helm", "vsecm"))
    parser.add_argument("--docker", default=os.path.join(repo, "deploy", "docker"))
    parser.add_argument("--repo", default=repo, help="repository root (for the plugins' settings)")
    parser.add_argument("--helm", help="the helm binary (default: scripts/peers/helm.sh --print-path)")
    parser.add_argument("--helm-version", help="the version it must be (default: scripts/peers/helm.sh --version)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the rendered objects")
    args = parser.parse_args()
    if args.values_table:
        print(chart_rules.values_table(chart_model.Chart(args.chart, chart_model.Report())))
        return 0
    if args.static:
        return run_static(args.chart, args.docker, args.repo)
    helm = open_helm(args.helm, args.helm_version)
    if helm is None:
        return 1
    try:
        if args.lint:
            return run_lint(args.chart, helm)
        return run_template(args.chart, args.repo, helm, args.verbose)
    finally:
        helm.close()


if __name__ == "__main__":
    sys.exit(main())
