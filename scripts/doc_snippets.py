#!/usr/bin/env python3
"""Extracts every C and C++ code block of README.md and docs/*.md into files that compile.

tests/docs/CMakeLists.txt runs this at configure time and builds each file, linked against
libkafka_rs, with -Wall -Wextra -Werror -Wpedantic, so a documented call that does not match
include/kafka_rs.h breaks the build. The convention for the blocks:

- A block fenced ```c is C (C11); ```cpp, ```c++, ```cxx or ```cc is C++ (C++17). Other
  blocks (```sh, ```go, plain ```) are not compiled, but a plain ``` block that looks like C
  (a `kafka_...(` call and a `;`) is an error: give it a language.
- A block containing `int main(` is a complete program and is compiled as it stands.
- Any other block is a fragment of a program. Its `#include` lines and its functions defined
  at column 0 starting with `static` (a `static ...(` line without `;`, through the next line
  that is exactly `}`) stay at file scope; the rest becomes the body of `int main(void)`, which
  then returns 0. A fragment without any `#include` gets the usual headers (stdint, stddef,
  stdio, stdlib, string and kafka_rs.h; for C++ their <c...> forms and <string>); one with its
  own includes gets none, so a program copied from the docs has all it needs.
- An HTML comment on the last non-blank line before the fence adjusts one block:
  `<!-- snippet: prelude=NAME -->` declares what the fragment uses without showing it (see
  PRELUDES: `config` gives `kafka_config_t *cfg`, created before and freed after the body);
  `<!-- snippet: skip REASON -->` leaves the block out (a reason is required; keep these rare).
- Every block is named after its file and the line of its opening fence, e.g.
  README_md_L75.c, and `#line` directives map compiler messages back to README.md:N.

- A block fenced ```go must be a complete program (`package main`). `--go-out` writes each into
  a module of its own, and tests/install builds them with cgo against the installed library
  (`#cgo pkg-config: kafka_rs`), since that is how a Go program finds it.

Usage:
  doc_snippets.py --out DIR      write DIR/<name>.c|.cpp and DIR/manifest.txt ("name lang file"
                                 per line); files whose content did not change are left alone
                                 and stale ones removed, so rebuilds stay minimal
  doc_snippets.py --go-out DIR   write DIR/<name>/main.go + go.mod per ```go block and print
                                 the module directories
  doc_snippets.py --list [--expect N]
                                 print the blocks found; with --expect, exit 1 unless exactly N
                                 are compiled (so a block cannot silently stop being checked)
"""

import argparse
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LANGS = {"c": "c", "cpp": "cpp", "c++": "cpp", "cxx": "cpp", "cc": "cpp"}
STANDARD_INCLUDES = {
    "c": ["<stddef.h>", "<stdint.h>", "<stdio.h>", "<stdlib.h>", "<string.h>", '"kafka_rs.h"'],
    "cpp": ["<cstddef>", "<cstdint>", "<cstdio>", "<cstdlib>", "<cstring>", "<string>", '"kafka_rs.h"'],
}
# prelude name -> language -> (declarations and setup before the body, cleanup after it)
PRELUDES = {
    "config": {
        "c": (
            ["kafka_config_t *cfg;", "if (kafka_config_new(&cfg) != KAFKA_OK) {", "    return 1;", "}"],
            ["kafka_config_free(cfg);"],
        ),
    },
}

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)")
DIRECTIVE = re.compile(r"^\s*<!--\s*snippet:\s*(?P<body>.*?)\s*-->\s*$")
STATIC_FUNCTION = re.compile(r"^static\s[^;=]*\(")
LOOKS_LIKE_C = re.compile(r"\bkafka_\w+\s*\(")


class DocError(Exception):
    pass


def doc_files():
    files = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    return [f for f in files if os.path.isfile(f)]


def blocks(path):
    """(line of the opening fence, info string, directive or None, content lines) per block."""
    rel = os.path.relpath(path, ROOT)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, indent, fence = i + 1, len(m.group("indent")), m.group("fence")
        info = m.group("info").lower()
        directive = None
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0:
            d = DIRECTIVE.match(lines[j])
            if d:
                directive = d.group("body")
        body = []
        i += 1
        while i < len(lines):
            close = lines[i].strip()
            if close.startswith(fence[0] * len(fence)) and close.strip(fence[0]) == "":
                break
            line = lines[i]
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            i += 1
        else:
            raise DocError(f"{rel}:{start}: code block never closed")
        i += 1
        yield start, info, directive, body


def parse_directive(rel, line, directive):
    """-> (skip reason or None, prelude name or None)"""
    if directive is None:
        return None, None
    if directive.startswith("skip"):
        reason = directive[len("skip"):].strip()
        if not reason:
            raise DocError(f"{rel}:{line}: `snippet: skip` needs a reason")
        return reason, None
    m = re.fullmatch(r"prelude=(\w+)", directive)
    if m:
        return None, m.group(1)
    raise DocError(f"{rel}:{line}: unknown snippet directive {directive!r}")


def line_marker(number, rel):
    return f'#line {number} "{rel}"'


def render(rel, start, lang, prelude, body):
    """The compilable source of one block whose first content line is line start + 1."""
    first = start + 1
    if any(re.search(r"\bint\s+main\s*\(", line) for line in body):
        if prelude:
            raise DocError(f"{rel}:{start}: a complete program (int main) takes no prelude")
        return "\n".join([line_marker(first, rel)] + body) + "\n"

    top = []  # (line number, text) kept at file scope
    inner = []  # (line number, text) for the body of main
    k = 0
    while k < len(body):
        line = body[k]
        if line.startswith("#include"):
            top.append((first + k, line))
        elif STATIC_FUNCTION.match(line) and not line.rstrip().endswith(";"):
            end = k
            while end < len(body) and body[end] != "}":
                end += 1
            if end == len(body):
                raise DocError(f"{rel}:{first + k}: function has no closing `}}` at column 0")
            top += [(first + n, body[n]) for n in range(k, end + 1)]
            k = end
        else:
            inner.append((first + k, line))
        k += 1

    setup, cleanup = [], []
    if prelude:
        try:
            setup, cleanup = PRELUDES[prelude][lang]
        except KeyError:
            known = ", ".join(sorted(n for n, langs in PRELUDES.items() if lang in langs)) or "none"
            raise DocError(f"{rel}:{start}: no prelude {prelude!r} for {lang} (known: {known})") from None

    out = []
    if not any(text.startswith("#include") for _, text in top):
        out += [f"#include {h}" for h in STANDARD_INCLUDES[lang]]
    out += emit(top, rel)
    out.append(line_marker(start, rel))
    out.append("int main(void) {")
    out += setup
    out += emit(inner, rel)
    out.append(line_marker(start + len(body) + 1, rel))
    out += cleanup
    out.append("return 0;")
    out.append("}")
    return "\n".join(out) + "\n"


def emit(numbered, rel):
    """Lines with a #line directive wherever the numbering jumps."""
    out, expected = [], None
    for number, text in numbered:
        if number != expected:
            out.append(line_marker(number, rel))
        out.append(text)
        expected = number + 1
    return out


def collect():
    """-> (compiled: [(name, lang, rel, line, source)], skipped: [(rel, line, reason)])"""
    compiled, skipped = [], []
    for path in doc_files():
        rel = os.path.relpath(path, ROOT)
        for start, info, directive, body in blocks(path):
            lang = LANGS.get(info)
            if lang is None:
                if info == "" and directive is None and LOOKS_LIKE_C.search("\n".join(body)) \
                        and any(line.rstrip().endswith(";") for line in body):
                    raise DocError(f"{rel}:{start}: this block looks like C but has no language; "
                                   "fence it ```c (or ```cpp), or mark it <!-- snippet: skip REASON -->")
                continue
            skip, prelude = parse_directive(rel, start, directive)
            if skip is not None:
                skipped.append((rel, start, skip))
                continue
            name = re.sub(r"[^A-Za-z0-9]", "_", rel) + f"_L{start}"
            compiled.append((name, lang, rel, start, render(rel, start, lang, prelude, body)))
    return compiled, skipped


def collect_go():
    """-> [(name, rel, line, source)] for every ```go block (each a complete program)."""
    programs = []
    for path in doc_files():
        rel = os.path.relpath(path, ROOT)
        for start, info, directive, body in blocks(path):
            if info != "go":
                continue
            skip, prelude = parse_directive(rel, start, directive)
            if skip is not None:
                continue
            if prelude or not any(line.startswith("package ") for line in body):
                raise DocError(f"{rel}:{start}: a go block must be a complete program (package main)")
            name = re.sub(r"[^A-Za-z0-9]", "_", rel) + f"_L{start}"
            programs.append((name, rel, start, f"// The go block of {rel} at line {start}.\n" + "\n".join(body) + "\n"))
    return programs


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", help="directory to write the snippets and manifest.txt into")
    group.add_argument("--list", action="store_true", help="print the blocks found")
    group.add_argument("--go-out", help="directory to write one Go module per go block into")
    parser.add_argument("--expect", type=int, help="with --list: exit 1 unless exactly N blocks are compiled")
    args = parser.parse_args()
    try:
        compiled, skipped = collect()
        go_programs = collect_go() if args.go_out else []
    except DocError as e:
        print(f"doc_snippets.py: {e}", file=sys.stderr)
        return 1

    if args.go_out:
        for name, rel, start, source in go_programs:
            module = os.path.join(args.go_out, name)
            os.makedirs(module, exist_ok=True)
            write_if_changed(os.path.join(module, "go.mod"), f"module example.com/docs/{name}\n\ngo 1.21\n")
            write_if_changed(os.path.join(module, "main.go"), source)
            print(module)
        return 0

    if args.list:
        for name, lang, rel, start, _ in compiled:
            print(f"{rel}:{start}: {lang} -> {name}")
        for rel, start, reason in skipped:
            print(f"{rel}:{start}: skipped: {reason}")
        print(f"{len(compiled)} compiled, {len(skipped)} skipped")
        if args.expect is not None and len(compiled) != args.expect:
            print(f"expected {args.expect} compiled C/C++ blocks in README.md and docs/*.md, found "
                  f"{len(compiled)}: if a block was added or removed on purpose, update "
                  "KAFKA_RS_DOC_SNIPPETS in tests/docs/CMakeLists.txt", file=sys.stderr)
            return 1
        return 0

    os.makedirs(args.out, exist_ok=True)
    wanted = set()
    manifest = []
    for name, lang, rel, start, source in compiled:
        filename = f"{name}.{lang}"
        wanted.add(filename)
        write_if_changed(os.path.join(args.out, filename), source)
        manifest.append(f"{name} {lang} {filename}")
    for old in os.listdir(args.out):
        if old.endswith((".c", ".cpp")) and old not in wanted:
            os.remove(os.path.join(args.out, old))
    write_if_changed(os.path.join(args.out, "manifest.txt"), "\n".join(manifest) + ("\n" if manifest else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
