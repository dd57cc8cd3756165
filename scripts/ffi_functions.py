#!/usr/bin/env python3
"""List the functions exported by include/kafka_rs.h, one name a line.

Comments and preprocessor lines are stripped, then every top-level
declaration of the form `<type> kafka_xxx(<args>);` is taken.  With
--signatures the whole prototype is printed instead of the name.

With --check PROGRAM the contract test PROGRAM is run with --list and the
names it prints (one a line, after "contract: ") are compared with the
header: every header function must have an entry, and every entry must
name a header function.  Exit status 1 names the differences.
"""
import re
import subprocess
import sys


def declarations(header_text):
    text = re.sub(r"/\*.*?\*/", " ", header_text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    # typedefs of callbacks also contain "kafka_xxx(" shapes: drop them
    decls = []
    for stmt in text.split(";"):
        stmt = " ".join(stmt.split())
        if not stmt or "typedef" in stmt or "{" in stmt or "}" in stmt:
            # an extern "C" { block opener can precede the first prototype
            stmt = stmt.split("{")[-1].split("}")[-1].strip()
            if not stmt or "typedef" in stmt:
                continue
        m = re.match(r"^[A-Za-z_][\w\s\*]*?\b(kafka_\w+)\s*\((.*)\)$", stmt)
        if m:
            decls.append((m.group(1), stmt + ";"))
    return decls


def main(argv):
    args = argv[1:]
    header = "include/kafka_rs.h"
    mode = "names"
    names_file = None
    while args:
        a = args.pop(0)
        if a == "--signatures":
            mode = "sigs"
        elif a == "--check":
            mode = "check"
            names_file = args.pop(0)
        else:
            header = a
    with open(header, encoding="utf-8") as f:
        decls = declarations(f.read())
    if not decls:
        print(f"no kafka_* function found in {header}", file=sys.stderr)
        return 2
    if mode == "names":
        print("\n".join(n for n, _ in decls))
        return 0
    if mode == "sigs":
        print("\n".join(s for _, s in decls))
        return 0
    header_names = {n for n, _ in decls}
    listed = subprocess.run([names_file, "--list"], check=True, capture_output=True, text=True).stdout
    covered = {l.strip()[len("contract: "):] for l in listed.splitlines() if l.startswith("contract: ")}
    missing = sorted(header_names - covered)
    unknown = sorted(covered - header_names)
    for n in missing:
        print(f"no contract entry for {n} (declared in {header})")
    for n in unknown:
        print(f"contract entry {n} names no function of {header}")
    if missing or unknown:
        return 1
    print(f"every one of the {len(header_names)} functions of {header} has a contract entry")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
