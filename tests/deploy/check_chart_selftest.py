#!/usr/bin/env python3
"""Proves that check_chart.py fails, with the right message, on the mistakes it exists to catch.

Each case copies deploy/ into a fresh temporary directory, breaks one thing, and runs one part of
the checker (--static, --lint or --template, the last two with the real Helm) on the copy: it
must exit 1 and print the expected text. The untouched copy must pass every part.

  python3 tests/deploy/check_chart_selftest.py [--helm PATH --helm-version V] [-j N]
"""

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import helm_cli  # noqa: E402

CHART = os.path.join("helm", "vsecm")
T = os.path.join(CHART, "templates")
SCHEMA = f"{CHART}/values.schema.json"
_SAFE_OBJECT = ('"description": "The Safe: the StatefulSet that holds every secret.",\n'
                '      "type": "object",\n      "additionalProperties": false,\n')
_SAFE_OPEN = ('"description": "The Safe: the StatefulSet that holds every secret.",\n'
              '      "type": "object",\n')

# (name, file under deploy/, old text, new text, expected message): the chart's files as written.
STATIC_CASES = [
    ("reference to a missing value", f"{T}/safe-statefulset.yaml",
     ".Values.safe.logLevel", ".Values.safe.logLevl",
     ".Values.safe.logLevl does not exist in values.yaml"),
    ("reference in an untaken branch", f"{T}/safe-servicemonitor.yaml",
     ".Values.safe.metrics.serviceMonitor.interval", ".Values.safe.metrics.serviceMonitor.intervl",
     ".Values.safe.metrics.serviceMonitor.intervl does not exist in values.yaml"),
    ("unused value", f"{CHART}/values.yaml",
     "\n# -- Sentinel:", "\n# -- A knob nothing reads.\nunusedKnob: true\n\n# -- Sentinel:",
     "value unusedKnob is not used"),
    ("undocumented value", f"{CHART}/values.yaml",
     "  # -- VSECM_LOG_LEVEL: debug, info, warn or error (or VSecM's numbers 1-6).\n", "",
     "value safe.logLevel is not documented"),
    ("value missing from the README", f"{CHART}/README.md",
     "| `safe.audit.path` |", "| `safe.audit.pathx` |",
     "the values table does not list `safe.audit.path`"),
    ("Chart.yaml for Helm 2", f"{CHART}/Chart.yaml", "apiVersion: v2", "apiVersion: v1",
     "apiVersion must be v2"),
    ("yamllint", f"{CHART}/values.yaml", "  logLevel: info\n", "  logLevel: info   \n",
     "trailing spaces"),
    ("value missing from the schema", SCHEMA,
     '"logLevel": {\n          "description": "VSECM_LOG_LEVEL: debug, info, warn or error (or '
     'VSecM\'s numbers 1-6).",\n          "type": "string"\n        },\n        "crypto"', '"crypto"',
     "safe.logLevel (in values.yaml) is not in the schema"),
    ("schema key values.yaml lacks", SCHEMA,
     '"ipcLock": {', '"ipcLok": {"description": "", "type": "boolean"},\n        "ipcLock": {',
     "safe.ipcLok is not in values.yaml"),
    ("schema type the default contradicts", SCHEMA,
     'refused lock).",\n          "type": "boolean"', 'refused lock).",\n          "type": "string"',
     "safe.ipcLock: the default True is not of type string"),
    ("schema open to unknown keys", SCHEMA, _SAFE_OBJECT, _SAFE_OPEN,
     "safe: needs additionalProperties: false"),
    ("schema description out of step", f"{CHART}/values.yaml",
     "  # -- Older versions kept per secret", "  # -- Old versions kept per secret",
     "description must be values.yaml's comment"),
    ("Dockerfile running as root", "docker/safe.Dockerfile", "USER 10001:10001", "USER root",
     "the final USER must be a numeric non-root uid"),
    ("Dockerfile building tests", "docker/sentinel.Dockerfile", " -DVSECM_BUILD_TESTS=OFF", "",
     "configure with -DVSECM_BUILD_TESTS=OFF"),
    ("writable plugins", "docker/safe.Dockerfile", "chmod 0644 /usr/lib/vsecm/plugins/*.so",
     "chmod 0666 /usr/lib/vsecm/plugins/*.so", "plugins must be owned by root and not writable"),
]

# What `helm lint --strict` finds.
LINT_CASES = [
    ("object name Kubernetes refuses", f"{T}/safe-service.yaml",
     "kind: Service\nmetadata:\n  name: vsecm-safe\n", "kind: Service\nmetadata:\n  name: Vsecm_Safe\n",
     "object name does not conform to Kubernetes naming requirements"),
    ("schema open to unknown keys (lint)", SCHEMA, _SAFE_OBJECT, _SAFE_OPEN,
     "scenario fail-schema-unknown-key: lint passed but must fail"),
    ("template Helm cannot parse (lint)", f"{T}/safe-servicemonitor.yaml",
     "      interval: {{ .Values.safe.metrics.serviceMonitor.interval }}\n{{- end }}",
     "      interval: {{ .Values.safe.metrics.serviceMonitor.interval }}",
     "unexpected EOF"),
]

# What `helm template` of the scenarios, and the rules on its output, find.
TEMPLATE_CASES = [
    ("YAML broken by indentation", f"{T}/safe-service.yaml",
     "\n  type: {{ .Values.safe.service.type }}", "\n   type: {{ .Values.safe.service.type }}",
     "YAML parse error on vsecm/templates/safe-service.yaml"),
    ("duplicate key", f"{T}/safe-service.yaml",
     "\n  type: {{ .Values.safe.service.type }}",
     "\n  type: {{ .Values.safe.service.type }}\n  type: ClusterIP", "duplicate key"),
    ("unclosed if", f"{T}/safe-servicemonitor.yaml",
     "      interval: {{ .Values.safe.metrics.serviceMonitor.interval }}\n{{- end }}",
     "      interval: {{ .Values.safe.metrics.serviceMonitor.interval }}",
     "unexpected EOF"),
    ("include of an undefined template", f"{T}/safe-service.yaml",
     'include "vsecm.labels"', 'include "vsecm.lables"', 'no template "vsecm.lables"'),
    ("run-time template error", f"{T}/safe-configmap.yaml",
     "backup_count: {{ int .Values.safe.store.backupCount }}",
     "backup_count: {{ div .Values.safe.store.backupCount 0 }}", "integer divide by zero"),
    ("run-time error in NOTES.txt", f"{T}/NOTES.txt",
     "port-forward svc/vsecm-safe {{ .Values.safe.metrics.port }}",
     "port-forward svc/vsecm-safe {{ div .Values.safe.metrics.port 0 }}", "integer divide by zero"),
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
    ("SPIFFE ID pattern off VSecM's", f"{CHART}/templates/_helpers.tpl",
     "/workload/vsecm-sentinel/ns/%s/sa/vsecm-sentinel/n/[^/]+$",
     "/workload/vsecm-sentinel/ns/%s/sa/vsecm-sentinel/n/.+$",
     "not VSecM's default ID pattern"),
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
    ("schema type loosened", SCHEMA,
     'VSECM_SAFE_SECRET_BACKUP_COUNT).",\n              "type": "integer"',
     'VSECM_SAFE_SECRET_BACKUP_COUNT).",\n              "type": ["integer", "string"]',
     "scenario fail-schema-wrong-type: rendering succeeded but must fail"),
    ("template no scenario renders", f"{T}/safe-servicemonitor.yaml",
     "{{- if and .Values.safe.metrics.enabled .Values.safe.metrics.serviceMonitor.enabled }}",
     "{{- if and .Values.safe.metrics.enabled .Values.safe.metrics.serviceMonitor.enabled false }}",
     "templates/safe-servicemonitor.yaml: no scenario in tests/deploy/scenarios/ renders it"),
]


def checker(deploy_dir, part, helm):
    args = [sys.executable, os.path.join(HERE, "check_chart.py"), f"--{part}",
            "--chart", os.path.join(deploy_dir, CHART), "--repo", REPO]
    if part == "static":
        args += ["--docker", os.path.join(deploy_dir, "docker")]
    else:
        args += ["--helm", helm.path, "--helm-version", helm.version]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


def run_case(part, name, rel, old, new, expected, helm):
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
        rc, output = checker(deploy, part, helm)
    if not rel:
        return None if rc == 0 else f"{name}: the untouched chart fails --{part}:\n{output}"
    if rc != 1:
        return f"{name}: check_chart --{part} exited {rc}, expected 1:\n{output}"
    if expected not in output:
        return f"{name}: check_chart --{part} failed without saying {expected!r}:\n{output}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--helm", help="the helm binary (default: scripts/peers/helm.sh --print-path)")
    parser.add_argument("--helm-version", help="its version (default: scripts/peers/helm.sh --version)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="cases run at once")
    args = parser.parse_args()
    try:
        path, version = (args.helm, args.helm_version) if args.helm and args.helm_version \
            else helm_cli.locate()
        helm = helm_cli.Helm(path, version)
    except helm_cli.Unavailable as e:
        print(f"FAIL {e}")
        return 1
    cases = []
    for part, listed in (("static", STATIC_CASES), ("lint", LINT_CASES), ("template", TEMPLATE_CASES)):
        cases.append((part, f"untouched chart ({part})", None, None, None, None))
        cases += [(part,) + c for c in listed]
    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            problems = list(pool.map(lambda c: run_case(*c, helm), cases))
    finally:
        helm.close()
    failures = []
    for case, problem in zip(cases, problems):
        print(f"{'ok  ' if problem is None else 'FAIL'} [{case[0]}] {case[1]}")
        if problem:
            failures.append(problem)
    for problem in failures:
        print(f"\n{problem}")
    print(f"\n{len(cases) - len(failures)}/{len(cases)} cases pass (helm {helm.version})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
