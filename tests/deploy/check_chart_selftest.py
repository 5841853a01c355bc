#!/usr/bin/env python3
"""Proves that check_chart.py fails, with the right message, on the mistakes it exists to catch.

Each case copies deploy/ into a fresh temporary directory, breaks one thing, and runs the
checker on the copy: it must exit 1 and print the expected text. The untouched copy must pass.
With --work DIR (where helm_render is built, as for `check_chart.py --render`), mistakes that
only a real render reveals are tried as well; without Go and Sprig those cases are skipped.

  python3 tests/deploy/check_chart_selftest.py [--work DIR]
"""

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import check_chart  # noqa: E402
import real_render  # noqa: E402

CHART = os.path.join("helm", "vsecm")
T = os.path.join(CHART, "templates")

# (name, file under deploy/, old text, new text, expected message)
STATIC_CASES = [
    ("reference to a missing value", f"{T}/safe-statefulset.yaml",
     ".Values.safe.logLevel", ".Values.safe.logLevl",
     ".Values.safe.logLevl does not exist in values.yaml"),
    ("unused value", f"{CHART}/values.yaml",
     "\n# -- Sentinel:", "\n# -- A knob nothing reads.\nunusedKnob: true\n\n# -- Sentinel:",
     "value unusedKnob is not used"),
    ("undocumented value", f"{CHART}/values.yaml",
     "  # -- VSECM_LOG_LEVEL: debug, info, warn or error (or VSecM's numbers 1-6).\n", "",
     "value safe.logLevel is not documented"),
    ("value missing from the README", f"{CHART}/README.md",
     "| `safe.audit.path` |", "| `safe.audit.pathx` |",
     "the values table does not list `safe.audit.path`"),
    ("YAML broken by indentation", f"{T}/safe-service.yaml",
     "\n  type: {{ .Values.safe.service.type }}", "\n   type: {{ .Values.safe.service.type }}",
     "not valid YAML once rendered"),
    ("duplicate key", f"{T}/safe-service.yaml",
     "\n  type: {{ .Values.safe.service.type }}",
     "\n  type: {{ .Values.safe.service.type }}\n  type: ClusterIP", "duplicate key 'type'"),
    ("unclosed if", f"{T}/safe-servicemonitor.yaml",
     "      interval: {{ .Values.safe.metrics.serviceMonitor.interval }}\n{{- end }}",
     "      interval: {{ .Values.safe.metrics.serviceMonitor.interval }}",
     "unclosed {{ if }}"),
    ("include of an undefined template", f"{T}/safe-service.yaml",
     'include "vsecm.labels"', 'include "vsecm.lables"', 'include of undefined template "vsecm.lables"'),
    ("Safe without IPC_LOCK", f"{T}/safe-statefulset.yaml",
     "- IPC_LOCK", "- NET_ADMIN", "the Safe must add exactly IPC_LOCK"),
    ("privilege escalation", f"{T}/safe-statefulset.yaml",
     "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true",
     "allowPrivilegeEscalation must be false"),
    ("writable root file system", f"{CHART}/templates/_helpers.tpl",
     "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false",
     "readOnlyRootFilesystem must be true"),
    ("liveness probe on the wrong port", f"{T}/safe-statefulset.yaml",
     "              path: /\n              port: liveness",
     "              path: /\n              port: readiness",
     "livenessProbe must be an HTTP GET on 8081"),
    ("root key Secret without keep", f"{T}/safe-root-key-secret.yaml",
     "    helm.sh/resource-policy: keep\n", "", "needs helm.sh/resource-policy: keep"),
    ("root key Role that may patch", f"{T}/safe-rbac.yaml",
     'verbs: ["get", "update"]', 'verbs: ["get", "update", "patch"]',
     "vsecm-safe-root-key must allow only get/update"),
    ("setting no store plugin declares", f"{T}/safe-configmap.yaml",
     "backup_count: {{", "backups: {{", "plugins.store.config.backups is not a setting"),
    ("SPIFFE ID template off VSecM's scheme", f"{CHART}/templates/_helpers.tpl",
     "/sa/{{ .PodSpec.ServiceAccountName }}/n/{{ .PodMeta.Name }}\" .root", "/n/{{ .PodMeta.Name }}\" .root",
     "is not VSecM's"),
    ("Chart.yaml for Helm 2", f"{CHART}/Chart.yaml", "apiVersion: v2", "apiVersion: v1",
     "apiVersion must be v2"),
    ("yamllint", f"{CHART}/values.yaml", "  logLevel: info\n", "  logLevel: info   \n",
     "trailing spaces"),
    ("Dockerfile running as root", "docker/safe.Dockerfile", "USER 10001:10001", "USER root",
     "the final USER must be a numeric non-root uid"),
    ("Dockerfile building tests", "docker/sentinel.Dockerfile", " -DVSECM_BUILD_TESTS=OFF", "",
     "configure with -DVSECM_BUILD_TESTS=OFF"),
    ("writable plugins", "docker/safe.Dockerfile", "chmod 0644 /usr/lib/vsecm/plugins/*.so",
     "chmod 0666 /usr/lib/vsecm/plugins/*.so", "plugins must be owned by root and not writable"),
]

# Mistakes the approximate render cannot see: only Helm's engine (helm_render) finds them.
RENDER_CASES = [
    ("run-time template error", f"{T}/safe-configmap.yaml",
     "backup_count: {{ int .Values.safe.store.backupCount }}",
     "backup_count: {{ div .Values.safe.store.backupCount 0 }}", "integer divide by zero"),
    ("setting lost in one scenario", f"{T}/safe-configmap.yaml",
     "fips_required: {{ .Values.safe.fips.requireProvider }}", "fips_required: false",
     "plugins.crypto.config.fips_required is False, expected 'true'"),
    ("validation message changed", f"{CHART}/templates/_helpers.tpl",
     "FIPS mode encrypts with AES-256-GCM", "FIPS needs AES",
     "rendering failed, but not with 'safe.fips.enabled: FIPS mode encrypts with AES-256-GCM'"),
    ("trailing spaces in the output", f"{T}/safe-service.yaml",
     "kind: Service\nmetadata:\n  name: vsecm-safe\n", "kind: Service\nmetadata:\n  name: vsecm-safe  \n",
     "trailing spaces"),
    ("k8s: secrets in the release namespace no longer refused", f"{CHART}/templates/_helpers.tpl",
     "{{- if eq . $.Release.Namespace }}", "{{- if false }}",
     "scenario fail-k8s-secrets-in-release-namespace: rendering succeeded but must fail"),
    ("contradiction no longer refused", f"{CHART}/templates/_helpers.tpl",
     '{{- if not (has .Values.safe.store.plugin (list "fs" "k8s" "rocksdb" "sqlcipher")) }}',
     '{{- if false }}', "rendering succeeded but must fail"),
]


def checker(deploy_dir, work):
    chart = os.path.join(deploy_dir, CHART)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        if work:
            rc = check_chart.run_render(chart, REPO, work)
        else:
            rc = check_chart.run(chart, os.path.join(deploy_dir, "docker"), REPO, False)
    return rc, out.getvalue()


def run_case(name, rel, old, new, expected, work):
    with tempfile.TemporaryDirectory(prefix="vsecm-chart-selftest-") as tmp:
        deploy = os.path.join(tmp, "deploy")
        shutil.copytree(os.path.join(REPO, "deploy"), deploy)
        if rel:
            path = os.path.join(deploy, rel)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if old not in text:
                return f"{name}: the text to break is no longer in {rel}: {old!r}"
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(old, new, 1))
        rc, output = checker(deploy, work)
    if not rel:
        return None if rc == 0 else f"{name}: the untouched chart fails:\n{output}"
    if rc != 1:
        return f"{name}: the checker exited {rc}, expected 1:\n{output}"
    if expected not in output:
        return f"{name}: the checker failed without saying {expected!r}:\n{output}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", help="helm_render build directory (enables the render cases)")
    args = parser.parse_args()
    cases = [("untouched chart", None, None, None, None, None)]
    cases += [c + (None,) for c in STATIC_CASES]
    skipped = 0
    if args.work:
        try:
            real_render.build_helm_render(args.work)
            cases += [("untouched chart (render)", None, None, None, None, args.work)]
            cases += [c + (args.work,) for c in RENDER_CASES]
        except real_render.Unavailable as e:
            skipped = len(RENDER_CASES) + 1
            print(f"render cases skipped: {e}")
    failures = []
    for case in cases:
        problem = run_case(*case)
        print(f"{'ok  ' if problem is None else 'FAIL'} {case[0]}")
        if problem:
            failures.append(problem)
    for problem in failures:
        print(f"\n{problem}")
    print(f"\n{len(cases) - len(failures)}/{len(cases)} cases pass"
          + (f", {skipped} skipped" if skipped else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
