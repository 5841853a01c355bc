#!/usr/bin/env python3
"""Checks the build against docs/ARCHITECTURE.md: who may link whom, what the installed SDK
headers include, what each plugin .so exports and defines, and where the types that hold plain
text appear. Known exceptions are the lines of the document's "Known exceptions" section; one
that no longer occurs is reported too, so the list only shrinks.

    check_architecture.py SOURCE_DIR BUILD_DIR PLUGIN_DIR

Exit 0 when every rule holds apart from the listed exceptions, 1 otherwise (each finding on a
line of its own, with the rule's name).
"""
import pathlib
import re
import subprocess
import sys

# Which top-level zone may link which: the layers of docs/ARCHITECTURE.md, bottom to top.
# A plugin folder may also link the libraries of its own folder (checked below).
MAY_LINK = {
    "sdk": {"sdk"},
    "kernel": {"sdk", "kernel"},
    "libs": {"sdk", "kernel", "libs"},
    "plugins": {"sdk", "libs"},
    "apps": {"sdk", "kernel", "libs", "plugins", "apps"},
    "bench": {"sdk", "kernel", "libs", "plugins", "apps", "bench"},
    "tests": {"sdk", "kernel", "libs", "plugins", "apps", "bench", "tests"},
}

# The types that hold plain text, and the folders where they may appear (prefixes).
PLAIN_TEXT_TYPES = ["SecretBytes", "SecretView"]
PLAIN_TEXT_FOLDERS = [
    "kernel/", "libs/secure-http/", "apps/", "sdk/client/", "sdk/identity/",
    "plugins/crypto-age/", "plugins/crypto-aes/", "bench/", "tests/",
]
SOURCE_SUFFIXES = {".c", ".cc", ".cpp", ".h", ".hpp"}
PLUGIN_ENTRY = "vsecm_plugin_entry_v1"


def zone_of(folder):
    return folder.split("/", 1)[0] if folder else ""


def plugin_folder(folder):
    parts = folder.split("/")
    return "/".join(parts[:2]) if parts[0] == "plugins" and len(parts) > 1 else None


def read_exceptions(doc):
    text = doc.read_text()
    m = re.search(r"^## Known exceptions\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not m:
        return set()
    return set(re.findall(r"^- `([^`]+)`", m.group(1), re.M))


def link_findings(build):
    targets = {}
    for line in (build / "architecture" / "targets.tsv").read_text().splitlines():
        name, kind, folder, linked = (line.split("\t") + [""])[:4]
        targets[name] = (kind, folder, [l for l in linked.split(",") if l])
    found = []
    for name, (_, folder, linked) in targets.items():
        zone = zone_of(folder)
        allowed = MAY_LINK.get(zone)
        if allowed is None:
            continue
        for dep in linked:
            if dep not in targets:
                continue  # a system library
            dep_folder = targets[dep][1]
            dep_zone = zone_of(dep_folder)
            ok = dep_zone in allowed
            if zone == "plugins" and dep_zone == "plugins":
                ok = plugin_folder(folder) == plugin_folder(dep_folder)
            if not ok:
                found.append(f"link {name} -> {dep}")
    return found


def sources(root, folders):
    for folder in folders:
        base = root / folder
        if not base.exists():
            continue
        for path in base.rglob("*"):
            if path.suffix in SOURCE_SUFFIXES and path.is_file():
                yield path


def include_findings(root):
    found = []
    include = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
    sdk_include = root / "sdk" / "include"
    for path in sources(root, ["sdk/include"]):
        for header in include.findall(path.read_text(errors="replace")):
            resolved = (path.parent / header).resolve()
            inside = header.startswith(("vsecm/abi/", "vsecm/sdk/")) or (
                resolved.exists() and sdk_include in resolved.parents)
            if not inside:
                found.append(f"include {path.relative_to(root)} -> {header}")
    for path in sources(root, ["sdk", "kernel", "libs", "plugins"]):
        for header in include.findall(path.read_text(errors="replace")):
            if header.startswith("apps/") or "/apps/" in header:
                found.append(f"include {path.relative_to(root)} -> {header}")
    return found


def symbol_findings(plugin_dir):
    found = []
    sos = sorted(pathlib.Path(plugin_dir).glob("*.so"))
    if not sos:
        return [f"symbols: no plugin .so in {plugin_dir}"]
    for so in sos:
        dynamic = subprocess.run(["nm", "-D", "--defined-only", str(so)], capture_output=True,
                                 text=True, check=True).stdout.split("\n")
        exported = sorted({l.split()[-1] for l in dynamic
                           if len(l.split()) == 3 and l.split()[1] in "TDBVWiuR"})
        if exported != [PLUGIN_ENTRY]:
            found.append(f"exports {so.name}: {' '.join(exported) or 'nothing'}")
        local = subprocess.run(["nm", "-C", str(so)], capture_output=True, text=True).stdout
        if " vsecm::kernel::" in local:
            found.append(f"kernel-symbols {so.name}")
    return found


def plain_text_findings(root):
    found = set()
    word = re.compile(r"\b(" + "|".join(PLAIN_TEXT_TYPES) + r")\b")
    for path in sources(root, ["sdk", "kernel", "libs", "plugins", "apps"]):
        rel = path.relative_to(root).as_posix()
        if any(rel.startswith(f) for f in PLAIN_TEXT_FOLDERS):
            continue
        if word.search(path.read_text(errors="replace")):
            found.add(f"plain-text {plugin_folder(rel) or rel.rsplit('/', 1)[0]}")
    return sorted(found)


def main():
    root, build, plugin_dir = (pathlib.Path(a).resolve() for a in sys.argv[1:4])
    exceptions = read_exceptions(root / "docs" / "ARCHITECTURE.md")
    findings = (link_findings(build) + include_findings(root) + symbol_findings(plugin_dir) +
                plain_text_findings(root))
    failed = False
    for f in findings:
        if f in exceptions:
            print(f"known   {f} (docs/ARCHITECTURE.md, Known exceptions)")
        else:
            print(f"FAIL    {f}")
            failed = True
    for gone in sorted(exceptions - set(findings)):
        print(f"FAIL    {gone}: listed as a known exception but no longer found; "
              "remove it from docs/ARCHITECTURE.md")
        failed = True
    print(f"{len(findings)} findings, {len(exceptions)} known exceptions")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
