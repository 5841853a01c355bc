"""Rules about what the chart deploys: pod security of VSecM's pods, the Safe's StatefulSet
(ports, probes, env, root key, persistence), RBAC, VSecM's SPIFFE ID scheme, and the Safe's
configuration file against docs/CONFIGURATION.md and the plugins' declared settings."""

import glob
import os
import re

import yaml

_WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
_SAFE_ENV = {
    "VSECM_SAFE_TLS_PORT": ":8443",
    "VSECM_PROBE_LIVENESS_PORT": ":8081",
    "VSECM_PROBE_READINESS_PORT": ":8082",
    "VSECM_SAFE_METRICS_PORT": ":8083",
    "VSECM_ROOT_KEY_PATH": "/key/key.txt",
}
_SAFE_ENV_PRESENT = (
    "VSECM_ROOT_KEY_INPUT_MODE_MANUAL", "VSECM_SAFE_FIPS_COMPLIANT", "VSECM_SAFE_BACKING_STORE",
    "VSECM_LOG_LEVEL", "SPIFFE_TRUST_DOMAIN", "SPIFFE_ENDPOINT_SOCKET", "VSECM_SPIFFEID_PREFIX_SAFE",
    "VSECM_SPIFFEID_PREFIX_SENTINEL", "VSECM_SPIFFEID_PREFIX_WORKLOAD", "VSECM_WORKLOAD_NAME_REGEXP",
    "VSECM_ROOT_KEY_NAME")
# docs/CONFIGURATION.md: the keys the Safe accepts (config maps are the plugins' own).
_CONFIG_SCHEMA = {
    "mode": None, "audit": {"path": None},
    "plugins": {"directory": None,
                **{kind: {"name": None, "sha256": None, "config": "plugin"}
                   for kind in ("crypto", "store", "transform")}},
}
PLUGIN_DIR = "/usr/lib/vsecm/plugins"


def _containers(pod):
    return [("container", c) for c in pod.get("containers") or []] + \
           [("initContainer", c) for c in pod.get("initContainers") or []]


def check_pod_security(chart, report):
    """Every VSecM pod (all templates but SPIRE's) runs restricted; only the Safe adds IPC_LOCK."""
    checked = 0
    for mode in chart.MODES:
        for rel, doc in chart.documents(mode, include_spire=False):
            if doc.get("kind") not in _WORKLOAD_KINDS:
                continue
            name = (doc.get("metadata") or {}).get("name")
            where = f"{rel} ({doc['kind']} {name}, {mode})"
            pod = (((doc.get("spec") or {}).get("template") or {}).get("spec")) or {}
            psc = pod.get("securityContext") or {}
            if psc.get("runAsNonRoot") is not True:
                report.error(where, "pod securityContext.runAsNonRoot must be true")
            if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
                report.error(where, "pod securityContext.seccompProfile.type must be RuntimeDefault")
            for host in ("hostNetwork", "hostPID", "hostIPC"):
                if pod.get(host):
                    report.error(where, f"{host} is not allowed for VSecM pods")
            for vol in pod.get("volumes") or []:
                if "hostPath" in vol:
                    report.error(where, f"volume {vol.get('name')} is a hostPath")
            if not isinstance(pod.get("automountServiceAccountToken"), bool):
                report.error(where, "automountServiceAccountToken must be set explicitly")
            for kind, c in _containers(pod):
                checked += 1
                cwhere = f"{where} {kind} {c.get('name')}"
                csc = c.get("securityContext") or {}
                if csc.get("allowPrivilegeEscalation") is not False:
                    report.error(cwhere, "securityContext.allowPrivilegeEscalation must be false")
                if csc.get("readOnlyRootFilesystem") is not True:
                    report.error(cwhere, "securityContext.readOnlyRootFilesystem must be true")
                if csc.get("privileged"):
                    report.error(cwhere, "must not be privileged")
                if csc.get("runAsUser") == 0 or psc.get("runAsUser") == 0:
                    report.error(cwhere, "must not run as root (runAsUser 0)")
                caps = csc.get("capabilities") or {}
                if "ALL" not in (caps.get("drop") or []):
                    report.error(cwhere, "securityContext.capabilities.drop must contain ALL")
                added = caps.get("add") or []
                is_safe = name == "vsecm-safe" and c.get("name") == "safe"
                # IPC_LOCK by default (mlock); nothing when safe.ipcLock is off for restricted PSA.
                if is_safe and added != ["IPC_LOCK"] and (added or mode == "defaults"):
                    report.error(cwhere, f"the Safe must add exactly IPC_LOCK (for mlock), found {added}")
                if not is_safe and added:
                    report.error(cwhere, f"adds capabilities {added}; only the Safe may add IPC_LOCK")
                if "resources" not in c:
                    report.error(cwhere, "has no resources (requests and limits)")
    return checked


def _find(chart, mode, kind, name):
    for rel, doc in chart.documents(mode):
        if doc.get("kind") == kind and (doc.get("metadata") or {}).get("name") == name:
            return rel, doc
    return None, None


def check_safe_statefulset(chart, report):
    for mode in chart.MODES:
        rel, sts = _find(chart, mode, "StatefulSet", "vsecm-safe")
        if sts is None:
            report.error("templates", f"no StatefulSet vsecm-safe ({mode})")
            continue
        where = f"{rel} ({mode})"
        spec = sts.get("spec") or {}
        if spec.get("replicas") != 1:
            report.error(where, "the Safe must have exactly 1 replica (it is the single writer)")
        pod = (spec.get("template") or {}).get("spec") or {}
        safe = next((c for c in pod.get("containers") or [] if c.get("name") == "safe"), None)
        if safe is None:
            report.error(where, "no container named safe")
            continue
        users = {(pod.get("securityContext") or {}).get("runAsUser"),
                 (safe.get("securityContext") or {}).get("runAsUser")}
        if 10001 not in users:
            report.error(where, "the Safe must run as user 10001")
        args = safe.get("args") or []
        if not args or args[0] != "serve" or not ({"--spiffe-socket", "--svid-dir"} & set(args)):
            report.error(where, f"args must be `serve ... --spiffe-socket|--svid-dir`, found {args}")
        if mode == "defaults" and "--spiffe-socket" not in args:
            report.error(where, "by default the Safe must use the SPIFFE Workload API (--spiffe-socket)")
        env = {e.get("name"): e.get("value") for e in safe.get("env") or [] if isinstance(e, dict)}
        for key, want in _SAFE_ENV.items():
            if env.get(key) != want:
                report.error(where, f"env {key} must be {want!r}, found {env.get(key)!r}")
        for key in _SAFE_ENV_PRESENT:
            if key not in env:
                report.error(where, f"env {key} is missing")
        ports = {p.get("name"): p.get("containerPort") for p in safe.get("ports") or []}
        if 8443 not in ports.values():
            report.error(where, "containerPort 8443 (the API) is missing")
        for probe, want in (("livenessProbe", 8081), ("readinessProbe", 8082)):
            port = ((safe.get(probe) or {}).get("httpGet") or {}).get("port")
            if ports.get(port, port) != want:
                report.error(where, f"{probe} must be an HTTP GET on {want}, found {port!r}")
            for timing in ("periodSeconds", "timeoutSeconds", "failureThreshold"):
                if timing not in (safe.get(probe) or {}):
                    report.error(where, f"{probe}.{timing} is not set")
        mounts = {m.get("mountPath"): m for m in safe.get("volumeMounts") or []}
        volumes = {v.get("name"): v for v in pod.get("volumes") or []}
        key_mount = mounts.get("/key")
        if env.get("VSECM_ROOT_KEY_INPUT_MODE_MANUAL") == "true":
            pass  # the key arrives from Sentinel; nothing to mount
        elif not key_mount or key_mount.get("readOnly") is not True:
            report.error(where, "the root key must be mounted read-only at /key")
        else:
            secret = (volumes.get(key_mount.get("name")) or {}).get("secret") or {}
            items = secret.get("items") or []
            if {"key": "KEY_TXT", "path": "key.txt"} not in items:
                report.error(where, "the root key volume must map the Secret's KEY_TXT to key.txt")
        if (mounts.get("/etc/vsecm") or {}).get("readOnly") is not True:
            report.error(where, "the configuration must be mounted read-only at /etc/vsecm")
        if mode == "defaults":
            claims = [c.get("metadata", {}).get("name") for c in spec.get("volumeClaimTemplates") or []]
            if "data" not in claims or "data" in volumes:
                report.error(where, "by default the data volume must come from a volumeClaimTemplate")


def check_root_key_secret(chart, report):
    found = False
    for rel, doc in chart.documents("defaults"):
        if doc.get("kind") == "Secret" and "KEY_TXT" in (doc.get("data") or {}):
            found = True
            notes = (doc.get("metadata") or {}).get("annotations") or {}
            if notes.get("helm.sh/resource-policy") != "keep":
                report.error(rel, "the root key Secret needs helm.sh/resource-policy: keep")
            if notes.get("helm.sh/hook") != "pre-install":
                report.error(rel, "the root key Secret must be a pre-install hook "
                             "(upgrades must not reset it)")
            if doc["data"]["KEY_TXT"] not in ("", None):
                report.error(rel, "the chart must not ship a root key (KEY_TXT must be empty)")
    if not found:
        report.error("templates", "no root key Secret (data KEY_TXT) in the default render")


def check_rbac(chart, report):
    for mode in chart.MODES:
        for rel, doc in chart.documents(mode, include_spire=False):
            kind = doc.get("kind")
            if kind not in ("Role", "ClusterRole"):
                continue
            name = (doc.get("metadata") or {}).get("name")
            for rule in doc.get("rules") or []:
                resources, verbs = rule.get("resources") or [], rule.get("verbs") or []
                if "*" in verbs or "*" in resources:
                    report.error(rel, f"{kind} {name} uses a wildcard")
                if "secrets" in resources and kind == "ClusterRole":
                    report.error(rel, f"ClusterRole {name} grants Secrets cluster-wide")
            # The Safe reads the root key Secret and fills it with a PUT (root_key_secret.cpp);
            # anything more would only widen what a compromised Safe could do to its own key.
            if name == "vsecm-safe-root-key":
                rules = doc.get("rules") or []
                if len(rules) != 1 or not rules[0].get("resourceNames") or \
                        not set(rules[0].get("verbs") or []) <= {"get", "update"}:
                    report.error(rel, "vsecm-safe-root-key must allow only get/update "
                                 "on the root key Secret by resourceNames")


_ID_TEMPLATE = (r"spiffe://{td}/workload/{name}/ns/\{{\{{ \.PodMeta\.Namespace \}}\}}"
                r"/sa/\{{\{{ \.PodSpec\.ServiceAccountName \}}\}}/n/\{{\{{ \.PodMeta\.Name \}}\}}")
_WORKLOAD_NAME = r'\{\{ index \.PodMeta\.Labels "app\.kubernetes\.io/name" \}\}'
# VSecM's default ID patterns (the Safe's environment) for a trust domain and the release namespace.
_ID_PATTERNS = {
    "VSECM_SPIFFEID_PREFIX_SAFE": ("safeSpiffeIdPattern",
                                   "^spiffe://{td}/workload/vsecm-safe/ns/{ns}/sa/vsecm-safe/n/[^/]+$"),
    "VSECM_SPIFFEID_PREFIX_SENTINEL": ("sentinelSpiffeIdPattern",
                                       "^spiffe://{td}/workload/vsecm-sentinel/ns/{ns}/sa/vsecm-sentinel/n/[^/]+$"),
    "VSECM_SPIFFEID_PREFIX_WORKLOAD": ("workloadSpiffeIdPattern",
                                       "^spiffe://{td}/workload/[^/]+/ns/[^/]+/sa/[^/]+/n/[^/]+$"),
    "VSECM_WORKLOAD_NAME_REGEXP": ("workloadNameRegExp",
                                   "^spiffe://{td}/workload/([^/]+)/ns/[^/]+/sa/[^/]+/n/[^/]+$"),
}


def check_spiffe_ids(rendered, report, namespace):
    """The rendered ClusterSPIFFEIDs follow VSecM's ID scheme (spiffe://TD/workload/NAME/ns/...
    /sa/.../n/..., NAME the object's own for the Safe and Sentinel, the pod's name label for
    workloads), and the Safe's ID patterns are VSecM's wherever the values leave them derived."""
    for mode in rendered.MODES:
        _, sts = _find(rendered, mode, "StatefulSet", "vsecm-safe")
        safe = next((c for c in (((sts or {}).get("spec") or {}).get("template") or {})
                     .get("spec", {}).get("containers") or [] if c.get("name") == "safe"), {})
        env = {e.get("name"): e.get("value") for e in safe.get("env") or [] if isinstance(e, dict)}
        td = env.get("SPIFFE_TRUST_DOMAIN") or ""
        overrides = (rendered.scenario_values.get(mode) or {}).get("identity") or {}
        for var, (value_key, pattern) in _ID_PATTERNS.items():
            if overrides.get(value_key):
                continue
            want = pattern.format(td=td, ns=namespace)
            if env.get(var) != want:
                report.error(f"templates/_helpers.tpl ({mode})", f"the Safe's {var} is "
                             f"{env.get(var)!r}, not VSecM's default ID pattern {want!r}")
        for rel, doc in rendered.documents(mode):
            if doc.get("kind") != "ClusterSPIFFEID":
                continue
            name = (doc.get("metadata") or {}).get("name")
            template = (doc.get("spec") or {}).get("spiffeIDTemplate") or ""
            expected = re.escape(name) if name in ("vsecm-safe", "vsecm-sentinel") else _WORKLOAD_NAME
            if not re.fullmatch(_ID_TEMPLATE.format(td=re.escape(td), name=expected), template):
                report.error(f"{rel} ({mode})", f"ClusterSPIFFEID {name}: SPIFFE ID template "
                             f"{template!r} is not VSecM's spiffe://TD/workload/NAME/ns/"
                             "{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}/n/"
                             "{{ .PodMeta.Name }} scheme")
    kinds = [d for _, d in rendered.documents("defaults") if d.get("kind") == "ClusterSPIFFEID"]
    if len(kinds) < 3:
        report.error("templates", f"expected 3 ClusterSPIFFEIDs by default, found {len(kinds)}")


def plugin_settings(repo_root):
    """Settings each in-tree plugin declares: {plugin name: {keys}}, read from its kConfig."""
    out = {}
    for plugin_dir in glob.glob(os.path.join(repo_root, "plugins", "*")):
        name, keys = None, set()
        for path in glob.glob(os.path.join(plugin_dir, "**", "*.?pp"), recursive=True):
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            m = re.search(r'kName\s*=\s*"([a-z0-9._-]+)"', text)
            if m and "kConfig" in text:
                name = m.group(1)
                keys |= set(re.findall(r'\{\s*"([a-z0-9_]+)"\s*,\s*VSECM_CONFIG_', text))
            elif m and name is None:
                name = m.group(1)
        if name:
            out[name] = keys
    return out


def check_safe_config(chart, report, repo_root):
    """safe.yaml in the ConfigMap: only keys docs/CONFIGURATION.md lists, production mode, the
    image's plugin directory, and plugin settings that the named plugin declares."""
    settings = plugin_settings(repo_root) if repo_root else {}
    if not settings:
        report.note("plugin sources not found: plugin settings in safe.yaml not cross-checked")
    for mode in chart.MODES:
        rel, cm = _find(chart, mode, "ConfigMap", "vsecm-safe-config")
        where = f"{rel} ({mode})"
        if cm is None:
            report.error("templates", f"no ConfigMap vsecm-safe-config ({mode})")
            continue
        try:
            conf = yaml.safe_load((cm.get("data") or {}).get("safe.yaml") or "") or {}
        except yaml.YAMLError as e:
            report.error(where, f"safe.yaml is not valid YAML: {e}")
            continue
        _check_schema(conf, _CONFIG_SCHEMA, "", where, report)
        if conf.get("mode") != "production":
            report.error(where, "safe.yaml must set mode: production")
        plugins = conf.get("plugins") if isinstance(conf.get("plugins"), dict) else {}
        if plugins.get("directory") != PLUGIN_DIR:
            report.error(where, f"plugins.directory must be {PLUGIN_DIR} (where the image installs them)")
        if not settings:
            continue
        all_keys = set().union(*settings.values())
        for kind in ("crypto", "store", "transform"):
            slot = plugins.get(kind) if isinstance(plugins.get(kind), dict) else {}
            name = slot.get("name")
            known = settings.get(name, all_keys)
            for setting in slot.get("config") or {}:
                if setting not in known:
                    whose = f"plugin {name}" if name in settings else "any plugin"
                    report.error(where, f"safe.yaml: plugins.{kind}.config.{setting} is not a "
                                 f"setting {whose} declares")


def _check_schema(node, schema, prefix, where, report):
    if not isinstance(node, dict):
        report.error(where, f"safe.yaml: {prefix or 'the file'} must be a map")
        return
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if key not in schema:
            report.error(where, f"safe.yaml: unknown key {path} (docs/CONFIGURATION.md)")
        elif schema[key] == "plugin":
            if not isinstance(value, dict):
                report.error(where, f"safe.yaml: {path} must be a map of settings")
        elif isinstance(schema[key], dict):
            _check_schema(value, schema[key], path, where, report)
