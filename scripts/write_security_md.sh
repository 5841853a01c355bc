#!/usr/bin/env bash
# Writes docs/SECURITY.md from the outputs scripts/security_report.sh kept (one file per part):
#   write_security_md.sh LOG_DIR OUT BEGAN FUZZ_SECONDS CRASH_TRIALS SANITIZERS(0|1)
# The tests print their figures on lines tagged "[ crash    ]", "[ figures  ]", "[ matrix   ]"
# and "[canary] store ..."; this script only arranges them.
set -euo pipefail
logs=$1 out=$2 began=$3 fuzz_seconds=$4 crash_trials=$5 sanitizers=$6
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The commit the proofs ran at (security_report.sh records it before running them).
if [[ -f $logs/commit ]]; then
  commit=$(cat "$logs/commit")
else
  commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$root" status --porcelain 2>/dev/null | grep -qv '^??' && commit+=" (with uncommitted changes)"
fi
tagged() { grep -E "^\[ ?$2 *\] " "$logs/$1.txt" | sed -E "s/^\[ ?$2 *\] //" || true; }
seconds() { cat "$logs/$1.seconds" 2>/dev/null || echo "?"; }
gtest_summary() { grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$logs/$1.txt" | tr -s ' ' || true; }

tmp=$(mktemp "$out.XXXXXX")
chmod 0644 "$tmp"
{
  cat <<EOF
# Security proofs

Written by \`scripts/security_report.sh\` on $began, commit $commit,
on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')).
Rerun it to replace this file; every figure below is what the named test or script printed in
that run. The same tests run in CI on every change, shorter: 20 s per fuzz target, 20 kill -9
trials per store, and the whole suite under the sanitizers.

## Fuzzing

\`scripts/fuzz_campaign.sh $fuzz_seconds\`: each libFuzzer target built with clang, ASan and UBSan,
run for $fuzz_seconds s from its seed corpus ($(seconds fuzz) s in all).

| target | what it feeds | seconds | executions | crashes | corpus |
| --- | --- | ---: | ---: | ---: | ---: |
EOF
  while read -r line; do
    name=$(sed -n 's/.*target=\([^ ]*\).*/\1/p' <<<"$line")
    case $name in
      age_parser_fuzz) what="age header, armor, payload (crypto-age)" ;;
      aes_envelope_fuzz) what="AES-256-GCM envelopes (crypto-aes)" ;;
      safe_api_fuzz) what="HTTP request parser + every JSON body decoder (the Safe)" ;;
      template_fuzz) what="Go-template engine (transform)" ;;
      config_loader_fuzz) what="YAML configuration + VSECM_* overrides (kernel)" ;;
      kube_response_fuzz) what="Kubernetes API responses, kubeconfig, service account files (store-k8s)" ;;
      *) what="" ;;
    esac
    printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$what" \
      "$(sed -n 's/.*seconds=\([^ ]*\).*/\1/p' <<<"$line")" \
      "$(sed -n 's/.*executions=\([^ ]*\).*/\1/p' <<<"$line")" \
      "$(sed -n 's/.*crashes=\([^ ]*\).*/\1/p' <<<"$line")" \
      "$(sed -n 's/.*corpus=\([^ ]*\).*/\1/p' <<<"$line")"
  done < <(grep '^target=' "$logs/fuzz.txt")

  echo
  echo "## Sanitizers"
  echo
  if [[ $sanitizers == 1 ]]; then
    cat <<EOF
\`scripts/test_sanitized.sh\`: the whole suite (except the fuzz smoke runs, which are sanitized
builds of their own) built with AddressSanitizer + UndefinedBehaviorSanitizer, LeakSanitizer on,
every process the tests start writing its reports to one directory that must stay empty
($([[ -f $logs/sanitizers.seconds ]] && echo "$(seconds sanitizers) s including the build" || echo "from the saved output of a run, given with --sanitizer-log")).

\`\`\`text
$(grep -E 'tests passed|tests failed|^test_sanitized:' "$logs/sanitizers.txt" || true)
\`\`\`
EOF
  else
    echo "Not run in this report (--no-sanitizers); CI runs \`scripts/test_sanitized.sh\` on every change."
  fi

  cat <<EOF

## kill -9 during a write storm

\`tests/crash\` with VSECM_CRASH_TRIALS=$crash_trials: each trial starts a real Safe kernel writing
to the store, kills it with SIGKILL at a random moment, recovers in a fresh kernel and checks every
acknowledged write against a model ($(seconds crash) s).

| store | trials | acknowledged writes | lost | wrong value |
| --- | ---: | ---: | ---: | ---: |
EOF
  tagged crash crash | while read -r line; do
    store=${line%%:*}
    trials=$(sed -n 's/^[^:]*: \([0-9]*\) trials.*/\1/p' <<<"$line")
    acked=$(sed -n 's/.* \([0-9]*\) acknowledged writes.*/\1/p' <<<"$line")
    lost=$(sed -n 's/.*, lost \([0-9]*\),.*/\1/p' <<<"$line")
    wrong=$(sed -n 's/.*, wrong \([0-9]*\),.*/\1/p' <<<"$line")
    printf '| %s | %s | %s | %s | %s |\n' "$store" "$trials" "$acked" "$lost" "$wrong"
  done
  echo
  echo '```text'
  tagged crash crash
  echo '```'

  cat <<EOF

## Canary scan and core dumps

\`tests/canary\`: a full end-to-end session with real processes per store, then every file and log
searched for every canary value (raw, base64 and hex), and a forced core file of the running Safe
($(seconds canary) s).

\`\`\`text
$(tagged canary canary | grep '^store ')
\`\`\`
$(gtest_summary canary)

## 1,000 concurrent connections

\`tests/safe/safe_connections_test\` against a real \`vsecm-safe dev\` with VSECM_SAFE_MAX_CONNECTIONS=1000
($(seconds connections) s).

\`\`\`text
$(tagged connections figures)
\`\`\`
$(gtest_summary connections)

## Bad-input matrix

\`tests/safe/safe_e2e_test\` (EveryRefusalNamesTheProblemAndChangesNothing): after every case the
workload's secret and Sentinel's list are unchanged, and still after a restart. The rows after it
come from the Safe's other end-to-end tests of hostile input (\`safe_hardening_e2e_test\`,
\`safe_k8s_e2e_test\`, \`safe_requests_test\`, \`safe_flood_test\`, \`safe_e2e_test\`'s own
cases), each asserting the same: a clear error and no change.

| case | request | answer | the answer or the audit journal says |
| --- | --- | --- | --- |
EOF
  tagged bad-input matrix | while IFS='|' read -r name request answer says; do
    printf '| %s | `%s` | %s | %s |\n' "$(echo $name)" "$(echo $request)" "$(echo $answer)" "$(echo "$says" | sed 's/|/\\|/g; s/^ *//; s/ *$//')"
  done
  echo
  gtest_summary bad-input
} >"$tmp"
mv "$tmp" "$out"
