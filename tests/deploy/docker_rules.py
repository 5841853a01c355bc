"""Sanity rules for deploy/docker/*.Dockerfile (no container engine is needed to check them):
multi-stage, a Debian bookworm build running scripts/setup.sh and a test-less CMake build with
`cmake --install`, a bookworm-slim runtime with only apt-installed runtime libraries, a non-root
USER in the final stage, an exec-form ENTRYPOINT on the image's own binary, root-owned plugins."""

import glob
import json
import os
import re
import shutil
import subprocess

EXPECTED = {  # Dockerfile stem -> (binary, values.yaml images key)
    "safe": ("vsecm-safe", "safe"),
    "sentinel": ("vsecm-sentinel", "sentinel"),
    "sidecar": ("vsecm-sidecar", "sidecar"),
    "init-container": ("vsecm-init-container", "initContainer"),
    "keygen": ("vsecm-keygen", "keygen"),
}


def parse_instructions(text):
    """(instruction, arguments, line) with continuations joined and comments dropped."""
    out, buf, start = [], "", 0
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue  # Docker drops comment lines inside a continued instruction.
        if not buf:
            start = no
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip(), start))
        buf = ""
    return out


def _stages(instructions):
    stages = []
    for ins in instructions:
        if ins[0] == "FROM":
            stages.append([ins])
        elif stages:
            stages[-1].append(ins)
    return stages


_APT_CACHE = {}


def apt_known(packages):
    """{package: True/False} as apt knows them, or {} when apt cannot tell (no apt, no lists).
    One apt-cache call for all packages (each call costs a second or two), remembered."""
    key = frozenset(packages)
    if key not in _APT_CACHE:
        _APT_CACHE[key] = _apt_query(packages)
    return _APT_CACHE[key]


def _apt_query(packages):
    tool = shutil.which("apt-cache")
    if tool is None or not packages or not glob.glob("/var/lib/apt/lists/*Packages*"):
        return {}
    proc = subprocess.run([tool, "policy", *sorted(packages)], capture_output=True, text=True,
                          timeout=120)
    known = {p: False for p in packages}
    current = None
    for line in proc.stdout.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            current = line[:-1]
        elif current in known and line.strip().startswith("Candidate:"):
            known[current] = line.split(":", 1)[1].strip() != "(none)"
    return known


def check_dockerfile(path, report, values_images, runtime_packages):
    stem = os.path.basename(path)[: -len(".Dockerfile")]
    where = os.path.relpath(path, os.path.dirname(os.path.dirname(os.path.dirname(path))))
    with open(path, encoding="utf-8") as f:
        text = f.read()
    stages = _stages(parse_instructions(text))
    if len(stages) < 2:
        report.error(where, "must be multi-stage (a build stage and a small runtime stage)")
        return
    build, final = stages[0], stages[-1]
    if not re.match(r"^debian:bookworm\s+AS\s+\w+", build[0][1], re.I):
        report.error(where, f"the build stage must be FROM debian:bookworm AS <name>, found {build[0][1]!r}")
    if final[0][1].split()[0] != "debian:bookworm-slim":
        report.error(where, f"the runtime stage must be FROM debian:bookworm-slim, found {final[0][1]!r}")
    build_runs = " ".join(args for ins, args, _ in build if ins == "RUN")
    for needle, why in (("scripts/setup.sh", "run scripts/setup.sh"),
                        ("-DVSECM_BUILD_TESTS=OFF", "configure with -DVSECM_BUILD_TESTS=OFF"),
                        ("cmake --install", "install with cmake --install")):
        if needle not in build_runs:
            report.error(where, f"the build stage must {why}")
    for stage in stages:
        for ins, args, line in stage:
            if ins == "FROM" and (":latest" in args or ":" not in args.split()[0]):
                report.error(f"{where}:{line}", "base images need an explicit tag, not latest")
            if ins == "ADD" and re.search(r"https?://", args):
                report.error(f"{where}:{line}", "ADD from a URL is not allowed; download in the build stage")
            if ins == "RUN" and re.search(r"(curl|wget)[^|]*\|\s*(ba)?sh", args):
                report.error(f"{where}:{line}", "piping a download into a shell is not allowed")
    users = [(args, line) for ins, args, line in final if ins == "USER"]
    if not users:
        report.error(where, "the final stage sets no USER (it would run as root)")
    else:
        user, line = users[-1]
        uid = user.split(":")[0]
        if uid in ("root", "0") or not uid.isdigit() or int(uid) < 1000:
            report.error(f"{where}:{line}",
                         f"the final USER must be a numeric non-root uid >= 1000, found {user!r}")
    entry = [(args, line) for ins, args, line in final if ins == "ENTRYPOINT"]
    binary = EXPECTED.get(stem, (None,))[0]
    if not entry:
        report.error(where, "the final stage has no ENTRYPOINT")
    else:
        try:
            argv = json.loads(entry[-1][0])
        except json.JSONDecodeError:
            argv = None
        if not isinstance(argv, list):
            report.error(f"{where}:{entry[-1][1]}", "ENTRYPOINT must be in exec (JSON array) form")
        elif binary and argv[0] != f"/usr/bin/{binary}":
            report.error(f"{where}:{entry[-1][1]}", f"ENTRYPOINT must run /usr/bin/{binary}")
    final_runs = [args for ins, args, _ in final if ins == "RUN"]
    for args in final_runs:
        if "apt-get install" in args:
            if "--no-install-recommends" not in args:
                report.error(where, "runtime apt-get install needs --no-install-recommends")
            if "rm -rf /var/lib/apt/lists" not in args:
                report.error(where, "runtime apt-get install must remove /var/lib/apt/lists in the same RUN")
            listed = args.split("--no-install-recommends", 1)[-1]
            packages = re.findall(r"(?<=\s)(lib[a-z0-9+.-]+)(?=\s|$)", listed)
            for package in packages:
                if package.endswith("-dev"):
                    report.error(where, f"runtime stage installs a -dev package ({package})")
                else:
                    runtime_packages.setdefault(package, where)
    if not any("ldd" in args for args in final_runs):
        report.error(where, "the runtime stage must check with ldd that no shared library is missing")
    if stem == "safe":
        copies = " ".join(args for ins, args, _ in final if ins == "COPY")
        chown = " ".join(final_runs)
        if "/usr/lib/vsecm/plugins" not in copies:
            report.error(where, "the Safe image must install its plugins under /usr/lib/vsecm/plugins")
        if "chown -R root:root" not in chown or "/usr/lib/vsecm" not in chown or \
                not re.search(r"chmod 0?644 /usr/lib/vsecm/plugins/", chown):
            report.error(where, "plugins must be owned by root and not writable by others "
                         "(chown -R root:root, chmod 0644): the Safe refuses others in production mode")
    if not os.path.exists(path + ".dockerignore"):
        report.error(where, f"missing {os.path.basename(path)}.dockerignore "
                     "(BuildKit's per-Dockerfile ignore file)")
    if stem in EXPECTED and values_images is not None:
        image = values_images.get(EXPECTED[stem][1]) or {}
        if image.get("repository") != f"vsecm/{stem}":
            report.error(where, f"values.yaml images.{EXPECTED[stem][1]}.repository should be vsecm/{stem}")


def check_docker_dir(docker_dir, report, values_images):
    files = sorted(glob.glob(os.path.join(docker_dir, "*.Dockerfile")))
    stems = {os.path.basename(f)[: -len(".Dockerfile")] for f in files}
    for missing in sorted(set(EXPECTED) - stems):
        report.error(docker_dir, f"no {missing}.Dockerfile")
    runtime_packages = {}  # package -> first Dockerfile that installs it
    for path in files:
        check_dockerfile(path, report, values_images, runtime_packages)
    known = apt_known(set(runtime_packages))
    if not known and runtime_packages:
        report.note("apt cannot tell (no apt-cache or no package lists): "
                    "runtime package names not checked")
    for package, where in sorted(runtime_packages.items()):
        if known.get(package) is False:
            report.error(where, f"apt does not know the runtime package {package} (bookworm name?)")
    return len(files)
