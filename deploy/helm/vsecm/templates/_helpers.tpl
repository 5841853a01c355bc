{{/*
Helpers of the vsecm chart. Object names are fixed (vsecm-safe, vsecm-sentinel, ...) rather than
prefixed with the release name, because VSecM's clients and SPIFFE ID patterns expect them:
install one release per namespace.
*/}}

{{/* The helm.sh/chart label value. */}}
{{- define "vsecm.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end }}

{{/* Labels every object of the chart carries. */}}
{{- define "vsecm.labels" -}}
helm.sh/chart: {{ include "vsecm.chart" . }}
app.kubernetes.io/part-of: vsecm
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/* An image reference: (dict "root" $ "image" .Values.images.safe). */}}
{{- define "vsecm.image" -}}
{{- $tag := .image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.global.registry -}}
{{- printf "%s/%s:%s" .root.Values.global.registry .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end }}

{{/* The Safe's API address as clients see it (VSECM_SAFE_ENDPOINT_URL). */}}
{{- define "vsecm.safeEndpointUrl" -}}
{{- printf "https://vsecm-safe.%s.svc.%s:%v/" .Release.Namespace .Values.global.clusterDomain .Values.safe.service.port -}}
{{- end }}

{{/*
VSecM's SPIFFE ID patterns, derived from the trust domain and the release namespace unless set.
They must begin with "^spiffe://TRUST_DOMAIN/" to be read as regular expressions (VSecM's rule),
so the dots of the trust domain are deliberately not escaped.
*/}}
{{- define "vsecm.safeSpiffeIdPattern" -}}
{{- .Values.identity.safeSpiffeIdPattern | default (printf "^spiffe://%s/workload/vsecm-safe/ns/%s/sa/vsecm-safe/n/[^/]+$" .Values.identity.trustDomain .Release.Namespace) -}}
{{- end }}

{{- define "vsecm.sentinelSpiffeIdPattern" -}}
{{- .Values.identity.sentinelSpiffeIdPattern | default (printf "^spiffe://%s/workload/vsecm-sentinel/ns/%s/sa/vsecm-sentinel/n/[^/]+$" .Values.identity.trustDomain .Release.Namespace) -}}
{{- end }}

{{- define "vsecm.workloadSpiffeIdPattern" -}}
{{- .Values.identity.workloadSpiffeIdPattern | default (printf "^spiffe://%s/workload/[^/]+/ns/[^/]+/sa/[^/]+/n/[^/]+$" .Values.identity.trustDomain) -}}
{{- end }}

{{- define "vsecm.workloadNameRegExp" -}}
{{- .Values.identity.workloadNameRegExp | default (printf "^spiffe://%s/workload/([^/]+)/ns/[^/]+/sa/[^/]+/n/[^/]+$" .Values.identity.trustDomain) -}}
{{- end }}

{{/*
A ClusterSPIFFEID template in VSecM's scheme for a fixed workload name:
spiffe://TD/workload/NAME/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}/n/{{ .PodMeta.Name }}
Call with (dict "root" $ "name" "vsecm-safe"). The inner {{ }} are for spire-controller-manager.
*/}}
{{- define "vsecm.spiffeIdTemplate" -}}
{{- printf "spiffe://%s/workload/%s/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}/n/{{ .PodMeta.Name }}" .root.Values.identity.trustDomain .name -}}
{{- end }}

{{/* Environment variables about identity, shared by every VSecM container. */}}
{{- define "vsecm.identityEnv" -}}
- name: SPIFFE_TRUST_DOMAIN
  value: {{ .Values.identity.trustDomain | quote }}
- name: SPIFFE_ENDPOINT_SOCKET
  value: {{ .Values.identity.spiffeSocket | quote }}
- name: VSECM_SPIFFEID_PREFIX_SAFE
  value: {{ include "vsecm.safeSpiffeIdPattern" . | quote }}
- name: VSECM_SPIFFEID_PREFIX_SENTINEL
  value: {{ include "vsecm.sentinelSpiffeIdPattern" . | quote }}
- name: VSECM_SPIFFEID_PREFIX_WORKLOAD
  value: {{ include "vsecm.workloadSpiffeIdPattern" . | quote }}
- name: VSECM_WORKLOAD_NAME_REGEXP
  value: {{ include "vsecm.workloadNameRegExp" . | quote }}
- name: VSECM_SAFE_ENDPOINT_URL
  value: {{ include "vsecm.safeEndpointUrl" . | quote }}
- name: VSECM_NAMESPACE_SYSTEM
  value: {{ .Release.Namespace | quote }}
{{- end }}

{{/* The volume that brings a VSecM pod its identity (named "identity"). */}}
{{- define "vsecm.identityVolume" -}}
- name: identity
{{- if eq .Values.identity.source "svidDir" }}
  {{- toYaml .Values.identity.svidDir.volume | nindent 2 }}
{{- else }}
  csi:
    driver: {{ .Values.identity.csiDriver | quote }}
    readOnly: true
{{- end }}
{{- end }}

{{/* Where the identity volume is mounted. */}}
{{- define "vsecm.identityMount" -}}
- name: identity
{{- if eq .Values.identity.source "svidDir" }}
  mountPath: {{ .Values.identity.svidDir.path | quote }}
{{- else }}
  mountPath: /spire-agent-socket
{{- end }}
  readOnly: true
{{- end }}

{{/*
Identity flags for VSecM's client apps (Sentinel, sidecar, init container) when identity.source
is svidDir; with the Workload API they read SPIFFE_ENDPOINT_SOCKET and need no flag.
*/}}
{{- define "vsecm.clientIdentityArgs" -}}
- --svid-dir
- {{ .Values.identity.svidDir.path | quote }}
{{- end }}

{{/* The plugin file names chosen by the values. */}}
{{- define "vsecm.cryptoPlugin" -}}
{{- if eq .Values.safe.crypto.plugin "aes" -}}vsecm-crypto-aes{{- else -}}vsecm-crypto-age{{- end -}}
{{- end }}

{{- define "vsecm.storePlugin" -}}
{{- printf "vsecm-store-%s" .Values.safe.store.plugin -}}
{{- end }}

{{/* VSecM's VSECM_SAFE_BACKING_STORE spelling of the chosen store. */}}
{{- define "vsecm.backingStore" -}}
{{- if eq .Values.safe.store.plugin "fs" -}}file{{- else -}}{{ .Values.safe.store.plugin }}{{- end -}}
{{- end }}

{{/* The store's data location, for the checks below ("" for the k8s store). */}}
{{- define "vsecm.storePath" -}}
{{- if eq .Values.safe.store.plugin "fs" -}}{{ .Values.safe.store.fs.path }}
{{- else if eq .Values.safe.store.plugin "rocksdb" -}}{{ .Values.safe.store.rocksdb.path }}
{{- else if eq .Values.safe.store.plugin "sqlcipher" -}}{{ .Values.safe.store.sqlcipher.path }}
{{- end -}}
{{- end }}

{{/* Refuses contradictory values with a message that names them (rendered by the Safe's StatefulSet). */}}
{{- define "vsecm.validate" -}}
{{- if not (has .Values.identity.source (list "workloadApi" "svidDir")) }}
{{- fail (printf "identity.source: expected workloadApi or svidDir, found %q" .Values.identity.source) }}
{{- end }}
{{- if and (eq .Values.identity.source "svidDir") (empty .Values.identity.svidDir.volume) }}
{{- fail "identity.svidDir.volume: required when identity.source is svidDir (a volume source holding svid.pem, svid_key.pem and svid_bundle.pem)" }}
{{- end }}
{{- if not (has .Values.safe.crypto.plugin (list "age" "aes")) }}
{{- fail (printf "safe.crypto.plugin: expected age or aes, found %q" .Values.safe.crypto.plugin) }}
{{- end }}
{{- if and .Values.safe.fips.enabled (ne .Values.safe.crypto.plugin "aes") }}
{{- fail "safe.fips.enabled: FIPS mode encrypts with AES-256-GCM; set safe.crypto.plugin=aes as well" }}
{{- end }}
{{- if not (has .Values.safe.store.plugin (list "fs" "k8s" "rocksdb" "sqlcipher")) }}
{{- fail (printf "safe.store.plugin: expected fs, k8s, rocksdb or sqlcipher, found %q" .Values.safe.store.plugin) }}
{{- end }}
{{- range $key, $pin := dict "safe.crypto.sha256" .Values.safe.crypto.sha256 "safe.store.sha256" .Values.safe.store.sha256 "safe.transform.sha256" .Values.safe.transform.sha256 }}
{{- if and $pin (not (regexMatch "^[0-9a-fA-F]{64}$" $pin)) }}
{{- fail (printf "%s: expected 64 hex digits (the plugin file's SHA-256)" $key) }}
{{- end }}
{{- end }}
{{- $path := include "vsecm.storePath" . }}
{{- if and $path (not (hasPrefix (printf "%s/" (trimSuffix "/" .Values.safe.persistence.mountPath)) $path)) }}
{{- fail (printf "safe.store.%s.path: %s is not under safe.persistence.mountPath (%s), so it would be lost with the pod" .Values.safe.store.plugin $path .Values.safe.persistence.mountPath) }}
{{- end }}
{{- if and .Values.example.enabled (not (hasPrefix "/opt/vsecm/" .Values.example.sidecar.secretsPath)) }}
{{- fail "example.sidecar.secretsPath: must be under /opt/vsecm/, the volume the sidecar shares with the app" }}
{{- end }}
{{- if and .Values.example.enabled .Values.identity.clusterSpiffeIds.enabled .Values.identity.clusterSpiffeIds.workloads.enabled (not (has .Values.example.namespace .Values.identity.clusterSpiffeIds.workloads.namespaces)) }}
{{- fail (printf "example.namespace: %s is not in identity.clusterSpiffeIds.workloads.namespaces, so the example would get no identity" .Values.example.namespace) }}
{{- end }}
{{- $storeNamespace := .Values.safe.store.k8s.namespace | default .Release.Namespace }}
{{- range .Values.safe.k8sSecretNamespaces }}
{{- if eq . $.Release.Namespace }}
{{- fail (printf "safe.k8sSecretNamespaces: %s is the release namespace, where the Safe keeps its root key Secret; a Role for `k8s:` secrets there would let the Safe write every Secret in it, so keep `k8s:` secrets in the workloads' namespaces" .) }}
{{- end }}
{{- if and (eq $.Values.safe.store.plugin "k8s") (eq . $storeNamespace) }}
{{- fail (printf "safe.k8sSecretNamespaces: %s is the k8s store's namespace (safe.store.k8s.namespace), where it keeps its records; the Safe never writes `k8s:` secrets there" .) }}
{{- end }}
{{- end }}
{{- if and .Values.spire.enabled (eq .Values.identity.source "workloadApi") (not (hasSuffix (printf "/%s" .Values.spire.agent.socketName) .Values.identity.spiffeSocket)) }}
{{- fail (printf "identity.spiffeSocket: %s does not name the SPIRE agent's socket %s" .Values.identity.spiffeSocket .Values.spire.agent.socketName) }}
{{- end }}
{{- end }}

{{/* The restricted security context of every VSecM container but the Safe's (which adds IPC_LOCK). */}}
{{- define "vsecm.restrictedContainerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}
