#!/usr/bin/env python3
"""Checks deploy/helm/vsecm and deploy/docker without Helm, Kubernetes or a container engine.

  python3 tests/deploy/check_chart.py [--chart DIR] [--docker DIR] [--repo DIR] [-v]
  python3 tests/deploy/check_chart.py --render WORK_DIR [--chart DIR] [--repo DIR]
  python3 tests/deploy/check_chart.py --values-table

Exit status 0 when every rule passes, 1 when any fails (each failure is printed with its file
and, where known, its line), 2 on a usage error, 77 when --render cannot run here (no Go or
Sprig: ctest reports it as skipped). What is checked and what cannot be:
see pseudo_render.py (template rendering) and the rule modules' docstrings; in short, templates
are rendered approximately (first branch of every conditional, and once with the conditions
decidable from values.yaml's defaults), so YAML structure, .Values references, the documented and
used values, the pod security settings and the Safe's wiring are checked for those two renders,
while value types and other combinations of values are not. --render closes most of that gap:
it builds helm_render (Helm's template engine: Go text/template with Sprig and Helm's functions)
and renders every values scenario in scenarios/, checking the same rules on the real output,
each scenario's expectations, and that contradictory values fail with the chart's message.
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
import real_render  # noqa: E402
import security_rules  # noqa: E402


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


def run_render(chart_dir, repo_root, work_dir):
    """Real renders of every scenario, checked with the document rules."""
    try:
        binary = real_render.build_helm_render(work_dir)
    except real_render.Unavailable as e:
        print(f"check_chart --render: skipped: {e}")
        return real_render.SKIP
    report = chart_model.Report()
    chart = chart_model.Chart(chart_dir, report)
    scenario_dir = os.path.join(HERE, "scenarios")
    renders = real_render.render_scenarios(binary, chart_dir, scenario_dir, report)
    if "defaults" not in renders:
        report.error("scenarios", "the defaults scenario did not render")
        return _finish(report, "check_chart --render: no default render")
    rendered = real_render.RenderedChart(chart, renders)
    containers = security_rules.check_pod_security(rendered, report)
    security_rules.check_safe_statefulset(rendered, report)
    security_rules.check_root_key_secret(rendered, report)
    security_rules.check_rbac(rendered, report)
    security_rules.check_safe_config(rendered, report, repo_root)
    chart_rules.check_namespaces(rendered, report)
    chart_rules.check_unique_objects(rendered, report)
    total = len([p for p in os.listdir(scenario_dir) if p.endswith(".yaml")])
    docs = sum(len(d) for r in renders.values() for d in r.values())
    return _finish(report, f"check_chart --render: {total} scenarios ({len(renders)} rendered, "
                   f"{total - len(renders)} expected to fail), {docs} documents, "
                   f"{containers} VSecM containers checked")


def run(chart_dir, docker_dir, repo_root, verbose):
    report = chart_model.Report()
    for required in ("Chart.yaml", "values.yaml", "templates"):
        if not os.path.exists(os.path.join(chart_dir, required)):
            print(f"check_chart: {chart_dir} has no {required}", file=sys.stderr)
            return 1
    try:
        chart = chart_model.Chart(chart_dir, report)
    except Exception as e:  # values.yaml or Chart.yaml that does not even parse
        print(f"check_chart: cannot load the chart: {e}", file=sys.stderr)
        return 1
    chart_rules.check_file_names(chart, report)
    chart_rules.check_chart_yaml(chart, report)
    chart_rules.check_crds(chart, report)
    chart_rules.check_values_documented(chart, report)
    refs = chart_rules.check_values_references(chart, report)
    chart_rules.check_yamllint(chart, report)
    docs = chart_rules.check_rendered_yaml(chart, report)
    chart_rules.check_unique_objects(chart, report)
    chart_rules.check_namespaces(chart, report)
    chart_rules.check_readme(chart, report)
    containers = security_rules.check_pod_security(chart, report)
    security_rules.check_safe_statefulset(chart, report)
    security_rules.check_root_key_secret(chart, report)
    security_rules.check_rbac(chart, report)
    security_rules.check_spiffe_ids(chart, report)
    security_rules.check_safe_config(chart, report, repo_root)
    dockerfiles = 0
    if docker_dir:
        dockerfiles = docker_rules.check_docker_dir(docker_dir, report, chart.values.get("images"))

    if verbose:
        for mode, files in chart.rendered.items():
            for rel, rendered in sorted(files.items()):
                print(f"--- {rel} ({mode})\n{rendered.text}")
    values = [p for p, leaf in chart_model.value_paths(chart.values) if leaf]
    return _finish(report, f"check_chart: {len(chart.templates)} template files, {docs} rendered "
                   f"documents (2 approximate renders), {refs} .Values references, {len(values)} "
                   f"values, {containers} VSecM containers checked, {dockerfiles} Dockerfiles")


def main():
    repo = os.path.dirname(os.path.dirname(HERE))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chart", default=os.path.join(repo, "deploy", "helm", "vsecm"))
    parser.add_argument("--docker", default=os.path.join(repo, "deploy", "docker"))
    parser.add_argument("--repo", default=repo, help="repository root (for the plugins' settings)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the rendered templates")
    parser.add_argument("--render", metavar="WORK_DIR",
                        help="render every scenario with helm_render, built in WORK_DIR")
    parser.add_argument("--values-table", action="store_true",
                        help="print README.md's values table generated from values.yaml and exit")
    args = parser.parse_args()
    if args.values_table:
        print(chart_rules.values_table(chart_model.Chart(args.chart, chart_model.Report())))
        return 0
    if args.render:
        return run_render(args.chart, args.repo, args.render)
    return run(args.chart, args.docker, args.repo, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
