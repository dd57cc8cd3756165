#!/usr/bin/env python3
"""Writes THIRD-PARTY-NOTICES: the crates libkafka_rs.a / libkafka_rs.so bundle, with their
licenses.

The crate list is the kafka_rs library's normal (non-dev, non-build) dependency graph on Linux
(x86_64 and aarch64), as `cargo metadata --format-version 1 --locked` resolves it from
Cargo.lock. Procedural-macro crates, and crates reached only through them, are left out: like
build dependencies they run inside the compiler and none of their code ends up in the library.
For every crate the file gives its name, version, SPDX license expression, repository and the
full text of each license file its source directory holds (LICENSE*, LICENCE*, COPYING*,
NOTICE*, UNLICENSE*, in subdirectories too: zstd-sys carries zstd's own license beside the C
source it bundles, ring the licenses of the BoringSSL and fiat-crypto code it compiles).
Identical texts are printed once and referenced from every crate that ships them.

Usage:
  python3 scripts/third_party_notices.py          # (re)write THIRD-PARTY-NOTICES
  python3 scripts/third_party_notices.py --check  # exit 1 if the committed file is stale

Needs the crates' sources, which cargo downloads on the first build; it runs cargo metadata
offline first and only goes to the network if that fails.
"""

import argparse
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "THIRD-PARTY-NOTICES")
PLATFORMS = ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"]
LICENSE_FILE = re.compile(r"^(licen[cs]e|copying|notice|unlicense)", re.IGNORECASE)
SKIP_DIRS = {".git", "target", "node_modules"}
REGENERATE = "python3 scripts/third_party_notices.py"


def cargo_metadata():
    base = ["cargo", "metadata", "--format-version", "1", "--locked"]
    for platform in PLATFORMS:
        base += ["--filter-platform", platform]
    errors = []
    for extra in (["--offline"], []):
        proc = subprocess.run(base + extra, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode == 0:
            return json.loads(proc.stdout)
        errors.append(proc.stderr.strip())
    sys.exit("cargo metadata failed:\n" + "\n".join(errors))


def is_proc_macro(package):
    return any("proc-macro" in target["kind"] for target in package["targets"])


def bundled_packages(meta):
    """The packages linked into the kafka_rs library: normal dependencies, transitively, not
    through a proc-macro, the root itself excluded."""
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = meta["resolve"]["root"]
    if root is None:
        sys.exit("cargo metadata has no root package")
    seen = {root}
    stack = [root]
    while stack:
        node = nodes[stack.pop()]
        for dep in node["deps"]:
            # kind None is a normal dependency; "dev" and "build" are not linked in. The
            # platform filter already dropped dependencies for other targets.
            if not any(k["kind"] is None for k in dep["dep_kinds"]):
                continue
            if dep["pkg"] in seen or is_proc_macro(packages[dep["pkg"]]):
                continue
            seen.add(dep["pkg"])
            stack.append(dep["pkg"])
    seen.discard(root)
    return sorted((packages[i] for i in seen), key=lambda p: (p["name"], p["version"]))


def license_files(package):
    """(path relative to the crate, normalized text) of every license file in the crate."""
    crate_dir = os.path.dirname(package["manifest_path"])
    found = []
    for dirpath, dirnames, filenames in os.walk(crate_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if not LICENSE_FILE.match(name):
                continue
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                raw = f.read()
            text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
            text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"
            found.append((os.path.relpath(path, crate_dir), text))
    declared = package.get("license_file")
    if declared:
        rel = os.path.normpath(declared)
        if not any(os.path.normpath(r) == rel for r, _ in found):
            with open(os.path.join(crate_dir, declared), encoding="utf-8", errors="replace") as f:
                found.append((rel, f.read()))
    found.sort(key=lambda item: (item[0].count(os.sep), item[0]))
    return found


def render(packages):
    texts = {}  # digest -> (label, text, [users])
    crate_lines = []
    for p in packages:
        label = f"{p['name']} {p['version']}"
        crate_lines.append(label)
        crate_lines.append(f"  License:    {p.get('license') or '(none declared)'}")
        crate_lines.append(f"  Repository: {p.get('repository') or '(none declared)'}")
        files = license_files(p)
        if not files:
            crate_lines.append(
                "  The crate ships no license file; its license is the SPDX expression above: "
                + (p.get("license") or "(none declared)")
            )
        for rel, text in files:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if digest not in texts:
                texts[digest] = [f"T{len(texts) + 1}", text, []]
            texts[digest][2].append(f"{label} ({rel})")
            crate_lines.append(f"  {rel}: text [{texts[digest][0]}] below")
        crate_lines.append("")

    out = [
        "THIRD-PARTY NOTICES for libkafka_rs",
        "",
        "libkafka_rs (libkafka_rs.a and libkafka_rs.so) is licensed under the Apache License 2.0",
        "(LICENSE). It bundles the Rust crates below, compiled into the library, including the",
        "C and assembly code some of them carry (zstd in zstd-sys, BoringSSL-derived code and",
        "fiat-crypto in ring), which the license files of those crates cover.",
        "",
        "The list is every crate in the normal dependency graph of the kafka_rs library on Linux",
        "(x86_64, aarch64) as resolved from Cargo.lock; build tools, procedural macros and test",
        "dependencies are not part of the library and are not listed.",
        "",
        f"Generated by `{REGENERATE}`; do not edit by hand.",
        "",
        "=" * 78,
        f"CRATES ({len(packages)})",
        "=" * 78,
        "",
    ]
    out += crate_lines
    out += ["=" * 78, f"LICENSE TEXTS ({len(texts)})", "=" * 78, ""]
    for label, text, users in texts.values():
        out.append("-" * 78)
        out.append(f"[{label}] used by:")
        out += [f"  {u}" for u in users]
        out.append("-" * 78)
        out.append("")
        out.append(text)
    return "\n".join(out).rstrip("\n") + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if THIRD-PARTY-NOTICES is stale")
    args = parser.parse_args()
    fresh = render(bundled_packages(cargo_metadata()))
    if args.check:
        try:
            with open(OUTPUT, encoding="utf-8") as f:
                committed = f.read()
        except FileNotFoundError:
            committed = None
        if committed != fresh:
            print(f"THIRD-PARTY-NOTICES is {'missing' if committed is None else 'stale'}: run `{REGENERATE}`",
                  file=sys.stderr)
            if committed is not None:
                diff = difflib.unified_diff(committed.splitlines(), fresh.splitlines(),
                                            "THIRD-PARTY-NOTICES (committed)", "(fresh)", lineterm="", n=1)
                print("\n".join(list(diff)[:40]), file=sys.stderr)
            return 1
        return 0
    with open(OUTPUT, "w", encoding="utf-8") as f:
        f.write(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
