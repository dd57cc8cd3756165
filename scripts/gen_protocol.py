#!/usr/bin/env python3
"""Generate src/protocol/messages/ from Apache Kafka's JSON message specs.

    python3 scripts/gen_protocol.py              # (re)write src/protocol/messages/*.rs
    python3 scripts/gen_protocol.py --check      # exit 1 and name the stale files if output differs
    python3 scripts/gen_protocol.py --jar PATH   # read the specs from another kafka-clients jar

The specs come from the org.apache.kafka:kafka-clients jar of Maven Central, which carries them as
common/message/*.json: by default the one of the test broker's Kafka version, which
`scripts/kafka-local.sh clients-jar` fetches into its cache (once) and names (that script holds the
version). The jar's own kafka/kafka-version.properties gives the version stamped in every file.

For each API in APIS it reads <Api>Request.json and <Api>Response.json, and for each name in DATA
the "data" spec <Name>.json (a payload embedded in other messages, with no API key: the consumer
protocol's JoinGroup metadata and SyncGroup assignment), and writes one Rust module per spec file: a struct per message / nested struct / commonStruct with an `impl Default` holding
the spec's defaults, and `Encodable` / `Decodable` impls that honour `versions`,
`nullableVersions`, `flexibleVersions` (compact encodings) and tagged fields (unknown tags are kept
and written back). It also writes `mod.rs` (module list, re-exports, API key table, a response
decoder by key, the version ranges of the data structs, shared helpers) and the test-only `samples.rs` (a non-default value of every struct
at every version, used by the hand-written `tests.rs`). Output is piped through rustfmt with the
repository's rustfmt.toml, so `cargo fmt` leaves it unchanged.

Spec details handled here: comments are stripped with a string-aware scanner; `latestVersionUnstable`
drops the last valid version; nullable structs (KIP-893) carry an int8 presence byte (-1 / 1), or
an unsigned varint (0 / 1) when tagged; tagged fields are only written when they differ from their
default; a version-gated field is silently skipped outside its versions ("ignorable" is not
enforced). Per Kafka, a broker that does not support the requested ApiVersions version answers with
a v0 ApiVersions response body (and the ApiVersions response header is always v0); nothing here
generates for that, callers handle it.

Python 3.11 standard library only (plus the rustfmt binary).
"""

import argparse
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# The APIs this library speaks; each has <Name>Request.json and <Name>Response.json.
APIS = """
    Produce Fetch ListOffsets Metadata OffsetCommit OffsetFetch FindCoordinator JoinGroup Heartbeat
    LeaveGroup SyncGroup DescribeGroups ListGroups SaslHandshake ApiVersions CreateTopics
    DeleteTopics DeleteRecords InitProducerId OffsetForLeaderEpoch AddPartitionsToTxn
    AddOffsetsToTxn EndTxn TxnOffsetCommit DescribeConfigs AlterConfigs IncrementalAlterConfigs
    SaslAuthenticate CreatePartitions DeleteGroups DescribeCluster ConsumerGroupHeartbeat
    ConsumerGroupDescribe
""".split()

# "data" specs: structs embedded in other messages' bytes fields. No API key, so no `Request` impl;
# their `check_version` errors report api_key -1.
DATA = "ConsumerProtocolSubscription ConsumerProtocolAssignment".split()
DATA_API_KEY = -1

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "src" / "protocol" / "messages"
HAND_WRITTEN = {"tests.rs"}
MAX_V = 0x7FFF  # "N+" means up to i16::MAX

# JSON type -> (Rust type, encoded size, Decoder method, writer: {b} buffer, {v} value, {r} &value)
PRIMS = {
    "int8": ("i8", 1, "i8", "{b}.put_i8({v})"),
    "int16": ("i16", 2, "i16", "{b}.put_i16({v})"),
    "uint16": ("u16", 2, "u16", "{b}.put_u16({v})"),
    "int32": ("i32", 4, "i32", "{b}.put_i32({v})"),
    "uint32": ("u32", 4, "u32", "{b}.put_u32({v})"),
    "int64": ("i64", 8, "i64", "{b}.put_i64({v})"),
    "float64": ("f64", 8, "f64", "{b}.put_f64({v})"),
    "bool": ("bool", 1, "bool", "put_bool({b}, {v})"),
    "uuid": ("Uuid", 16, "uuid", "put_uuid({b}, {r})"),
}
INT_RANGES = {"int8": 8, "int16": 16, "int32": 32, "int64": 64}
RUST_KEYWORDS = set("""as async await break const continue crate dyn else enum extern false fn for if
    impl in let loop match mod move mut pub ref return self static struct super trait true type
    unsafe use where while abstract become box do final macro override priv try typeof unsized
    virtual yield gen""".split())
RESERVED_TYPES = {"Bytes", "BytesMut", "Decoder", "Result", "ProtocolError", "Encodable", "Decodable",
                  "Request", "Uuid", "Option", "Vec", "String", "Default", "Self", "Sample"}
FIELD_KEYS = {"name", "type", "versions", "about", "default", "ignorable", "entityType", "fields",
              "nullableVersions", "mapKey", "taggedVersions", "tag", "zeroCopy"}


# ---------------------------------------------------------------------------------------------
# Reading the specs


def strip_comments(text):
    """Removes // comments outside JSON strings (strings may contain "//", e.g. URLs)."""
    out, i, in_str = [], 0, False
    while i < len(text):
        c = text[i]
        if in_str:
            if c == "\\":
                out.append(text[i : i + 2])
                i += 2
                continue
            in_str = c != '"'
        elif c == '"':
            in_str = True
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def check(ok, what):
    """Stops on a spec feature this generator does not handle (rather than emit wrong code)."""
    if not ok:
        sys.exit(f"gen_protocol.py: unsupported or invalid spec: {what}")


def parse_versions(s):
    """'3+' -> (3, MAX_V); '1-4' -> (1, 4); '2' -> (2, 2); 'none' / None -> None."""
    if s is None or s == "none":
        return None
    if s.endswith("+"):
        return (int(s[:-1]), MAX_V)
    lo, _, hi = s.partition("-")
    return (int(lo), int(hi or lo))


def intersect(a, b):
    if a is None or b is None or max(a[0], b[0]) > min(a[1], b[1]):
        return None
    return (max(a[0], b[0]), min(a[1], b[1]))


def snake(name):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s).lower()
    return s + "_" if s in RUST_KEYWORDS else s  # one rule everywhere: `type` -> `type_`


@dataclass
class Field:
    name: str  # JSON name
    rust: str  # Rust field name
    type: str  # JSON type without "[]"
    array: bool
    versions: tuple
    nullable: tuple | None
    tagged: tuple | None
    tag: int | None
    default: object
    about: str
    struct: "Struct | None" = None  # for struct and []struct types

    @property
    def optional(self):  # stored as Option<...>
        return self.type == "records" or self.nullable is not None


@dataclass
class Struct:
    name: str
    doc: str
    fields: list
    range: tuple | None = None  # hull of the versions it can appear in (set by set_ranges)
    module_path: str = ""


@dataclass
class Message:
    spec: str  # e.g. "MetadataRequest"
    api: str  # e.g. "Metadata" (a data spec: its name)
    kind: str  # "request" / "response" / "data"
    api_key: int
    valid: tuple
    flex: int  # first flexible version, MAX_V + 1 if none
    top: Struct
    structs: list = field(default_factory=list)  # top first, then nested in spec order

    @property
    def module(self):
        return snake(self.spec)


ARTIFACT = "org.apache.kafka:kafka-clients"
SPEC_DIR_IN_JAR = "common/message"


class SpecJar:
    """The JSON message specs inside a kafka-clients jar."""

    def __init__(self, path):
        try:
            self.zip = zipfile.ZipFile(path)
            props = self.zip.read("kafka/kafka-version.properties").decode()
        except (OSError, zipfile.BadZipFile, KeyError) as e:
            sys.exit(f"gen_protocol.py: {path} is not a readable kafka-clients jar: {e}")
        version = re.search(r"^version=(\S+)$", props, re.M)
        check(version, f"{path}: no version in kafka/kafka-version.properties")
        self.source = f"{ARTIFACT}:{version[1]}"  # e.g. org.apache.kafka:kafka-clients:4.3.1

    @staticmethod
    def path(spec):
        return f"{SPEC_DIR_IN_JAR}/{spec}.json"

    def read(self, spec):
        try:
            return self.zip.read(self.path(spec)).decode()
        except KeyError:
            sys.exit(f"gen_protocol.py: {self.source} has no {self.path(spec)}")


def default_jar():
    """The kafka-clients jar of the test broker's version, fetched and cached by kafka-local.sh."""
    r = subprocess.run([str(REPO / "scripts" / "kafka-local.sh"), "clients-jar"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"gen_protocol.py: scripts/kafka-local.sh clients-jar failed (or pass --jar PATH):\n{r.stderr}")
    return Path(r.stdout.strip())


def load_message(jar, api, kind, valid=None):
    spec = api if kind == "data" else f"{api}{kind.capitalize()}"
    j = json.loads(strip_comments(jar.read(spec)))
    check(j["name"] == spec and j["type"] == kind, spec)
    check((kind == "data") == ("apiKey" not in j), f"{spec}: apiKey")
    check(parse_versions(j["validVersions"]), f"{spec} has no valid versions")
    lo, hi = parse_versions(j["validVersions"])
    if j.get("latestVersionUnstable"):
        hi -= 1
    if valid:  # a response: its versions are those of the request
        check(lo <= valid[0] and valid[1] <= hi, f"{spec} {lo}-{hi} does not cover {valid}")
        lo, hi = valid
    flex = parse_versions(j["flexibleVersions"])
    api_key = j.get("apiKey", DATA_API_KEY)
    msg = Message(spec, api, kind, api_key, (lo, hi), flex[0] if flex else MAX_V + 1, None)
    by_name = {}

    def make_struct(name, doc, jfields):
        check(name not in by_name and name not in RESERVED_TYPES, f"{spec}: struct name {name}")
        s = Struct(name, doc, [])
        by_name[name] = s
        msg.structs.append(s)
        s.fields = [make_field(f) for f in jfields]
        tags = [f.tag for f in s.fields if f.tag is not None]
        check(len(tags) == len(set(tags)), f"duplicate tag in {spec}.{name}")
        names = [f.rust for f in s.fields] + ["unknown_tagged_fields"]
        check(len(names) == len(set(names)), f"duplicate field name in {spec}.{name}")
        return s

    def make_field(f):
        check(set(f) <= FIELD_KEYS, f"{spec}.{f['name']}: unsupported keys {set(f) - FIELD_KEYS}")
        array = f["type"].startswith("[]")
        typ = f["type"][2:] if array else f["type"]
        tagged = parse_versions(f.get("taggedVersions"))
        check((tagged is None) == ("tag" not in f), f["name"])
        fld = Field(f["name"], snake(f["name"]), typ, array, parse_versions(f["versions"]),
                    parse_versions(f.get("nullableVersions")), tagged, f.get("tag"), f.get("default"),
                    " ".join(f.get("about", "").split()))
        if tagged:  # a tagged field is never also written inline
            check(tagged[0] <= fld.versions[0] and tagged[1] == MAX_V, fld.name)
        if fld.nullable and typ in PRIMS and not array:
            raise ValueError(f"{spec}.{fld.name}: {typ} cannot be nullable")
        if "fields" in f:
            fld.struct = make_struct(typ, fld.about, f["fields"])
        elif typ not in PRIMS and typ not in ("string", "bytes", "records"):
            fld.struct = typ  # resolved below: a commonStruct
        return fld

    msg.top = make_struct(spec, None, j["fields"])
    for c in j.get("commonStructs", []):
        make_struct(c["name"], f"A common struct of `{spec}`.", c["fields"])
    for s in msg.structs:
        for f in s.fields:
            if isinstance(f.struct, str):
                f.struct = by_name[f.struct]
    set_ranges(msg.top, msg.valid)
    for s in msg.structs:
        s.range = s.range or msg.valid  # only reached through fields of no supported version
        s.module_path = msg.module
    return msg


def set_ranges(s, rng):
    """Widens each struct's version range to the hull of the field ranges it is reached through."""
    s.range = rng if s.range is None else (min(s.range[0], rng[0]), max(s.range[1], rng[1]))
    for f in s.fields:
        sub = intersect(rng, f.versions)
        if f.struct and sub:
            set_ranges(f.struct, sub)


# ---------------------------------------------------------------------------------------------
# Version conditions: Rust boolean expressions, simplified against the range the code runs in.


def cond(r, ctx):
    """`version in r`, knowing that version is in ctx: 'true', 'false' or a Rust expression."""
    i = intersect(r, ctx)
    if i is None:
        return "false"
    lo, hi = i[0] > ctx[0], i[1] < ctx[1]
    if lo and hi:
        return f"({i[0]}..={i[1]}).contains(&version)"
    if lo:
        return f"version >= {i[0]}"
    return f"version <= {i[1]}" if hi else "true"


def negate(c):
    if c in ("true", "false"):
        return {"true": "false", "false": "true"}[c]
    m = re.fullmatch(r"version (>=|<=) (\d+)", c)
    return f"version {'<' if m[1] == '>=' else '>'} {m[2]}" if m else f"!{c}"


def guard(c, body):
    """Wraps statements in `if c { ... }` (or a plain block)."""
    if c == "false":
        return []
    if c == "true":  # a block only to scope local variables
        return ["{", *body, "}"] if any(line.startswith("let ") for line in body) else body
    return [f"if {c} {{", *body, "}"]


def pick(flex, compact, classic):
    """An expression choosing between the compact and classic encodings."""
    if flex == "true":
        return compact
    if flex == "false":
        return classic
    return f"if {flex} {{ {compact} }} else {{ {classic} }}"


# ---------------------------------------------------------------------------------------------
# Rust types, defaults and sizes


def rust_type(f):
    if f.array:
        inner = f.struct.name if f.struct else elem_type(f.type)
        t = f"Vec<{inner}>"
    else:
        t = f.struct.name if f.struct else elem_type(f.type)
    return f"Option<{t}>" if f.optional and f.type != "records" else t


def elem_type(t):
    return {"string": "String", "bytes": "Bytes", "records": "Option<Bytes>"}.get(t) or PRIMS[t][0]


def parse_int(v, typ, where):
    s = str(v).strip()
    neg = s.startswith("-")
    s = s.lstrip("-")
    n = int(s, 16) if s.lower().startswith("0x") else int(s, 8) if len(s) > 1 and s[0] == "0" else int(s)
    n = -n if neg else n
    bits = INT_RANGES.get(typ)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if bits else (0, (1 << {"uint16": 16, "uint32": 32}[typ]) - 1)
    check(lo <= n <= hi, f"default {v} out of range for {where}")
    return n


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def default_expr(f, where):
    d = f.default
    if f.optional and (d is None or d == "null"):
        return "None"
    check(d != "null", f"null default for non-nullable {where}")
    if f.array:
        check(d in (None, ""), where)
        return "Vec::new()"
    if f.struct:
        e = f"{f.struct.name}::default()"
    elif f.type in ("int8", "int16", "int32", "int64", "uint16", "uint32"):
        e = str(parse_int(d or 0, f.type, where))
    elif f.type == "bool":
        e = "true" if d in (True, "true") else "false"
    elif f.type == "float64":
        e = repr(float(d or 0))
    elif f.type == "uuid":
        e = "[0; 16]"
    elif f.type == "string":
        e = f"String::from({rust_str(d)})" if d else "String::new()"
    else:
        check(d is None, where)
        e = "Bytes::new()"
    return f"Some({e})" if f.optional else e


def not_default(f, val, where):
    """A Rust expression that is true when `val` (a place) differs from the field's default."""
    d = default_expr(f, where)
    if d == "None":
        return f"{val}.is_some()"
    if d in ("Vec::new()", "String::new()", "Bytes::new()"):
        return f"!{val}.is_empty()"
    if f.type == "bool" and not f.array:
        return f"!{val}" if d == "true" else val
    if d.startswith("Some(String::from("):
        return f"{val}.as_deref() != Some({d[len('Some(String::from('):-2]})"
    return f"{val} != {d}"


def min_size(s, v, flexible_from):
    """The fewest bytes struct `s` can encode to at version v."""
    flex = v >= flexible_from
    n = 1 if flex else 0
    for f in s.fields:
        if not (f.versions[0] <= v <= f.versions[1]) or (f.tagged and flex):
            continue
        if f.array:
            n += 1 if flex else 4  # the length
        elif f.type in ("string", "bytes", "records"):
            n += 1 if flex else 2 if f.type == "string" else 4
        elif f.struct:
            n += 1 if f.optional else min_size(f.struct, v, flexible_from)
        else:
            n += PRIMS[f.type][1]
    return n


# ---------------------------------------------------------------------------------------------
# Encoding and decoding code for one field


class Gen:
    """Emits the code of one message's module."""

    def __init__(self, msg, source):
        self.msg = msg
        self.source = source  # the jar's artifact:version, stamped in the header

    def flex(self, s):
        return cond((self.msg.flex, MAX_V), s.range)

    def enc_one(self, f, val, ref, flex, buf="buf"):
        """Writes one non-null element/value of f's (element) type. val: place, ref: &place."""
        if f.struct:
            return [f"{val}.encode({buf}, version)?;"]
        if f.type in PRIMS:
            w = PRIMS[f.type][3]
            return [w.format(b=buf if w.startswith("put_") else receiver(buf), v=val, r=ref) + ";"]
        name = {"string": "string", "bytes": "bytes"}[f.type]
        c, k = f"put_compact_{name}", f"put_{name}"
        return [pick(flex, f"{c}({buf}, {ref})?;", f"{k}({buf}, {ref})?;")]

    def dec_one(self, f, flex, d="d"):
        if f.struct:
            return f"{f.struct.name}::decode({d}, version)?"
        if f.type in PRIMS:
            return f"{d}.{PRIMS[f.type][2]}()?"
        return pick(flex, f"{d}.compact_{f.type}()?", f"{d}.{f.type}()?")

    def encode_field(self, s, f, flex, tagged=False, buf="buf"):
        """Statements writing field f of self (its versions already checked)."""
        where, val = f"{s.name}.{f.rust}", f"self.{f.rust}"
        present = intersect(f.versions, s.range)
        out = []
        if f.optional:
            not_null = negate(cond(f.nullable, present) if f.nullable else "false")
            out += null_check(not_null, val, f'super::null_field("{where}", version)')
        if f.array:
            length = f"{val}.as_ref().map(Vec::len)" if f.optional else f"Some({val}.len())"
            c, k = "put_compact_array_len", "put_array_len"
            out.append(pick(flex, f"{c}({buf}, {length})?;", f"{k}({buf}, {length})?;"))
            items = f"{val}.iter().flatten()" if f.optional else f"&{val}"
            out += [f"for x in {items} {{", *self.enc_one(f, "*x" if not f.struct else "x", "x", flex, buf), "}"]
        elif f.type in ("string", "bytes", "records") and f.optional:
            name = "string" if f.type == "string" else "bytes"
            c, k = f"put_compact_nullable_{name}", f"put_nullable_{name}"
            arg = f"{val}.as_deref()"
            out.append(pick(flex, f"{c}({buf}, {arg})?;", f"{k}({buf}, {arg})?;"))
        elif f.struct and f.optional:  # KIP-893: presence marker, then the struct
            if tagged:
                none, some = f"put_unsigned_varint({buf}, 0)", f"put_unsigned_varint({buf}, 1);"
            else:
                none, some = f"{receiver(buf)}.put_i8(-1)", f"{receiver(buf)}.put_i8(1);"
            out += [f"match &{val} {{", f"None => {none},",
                    f"Some(v) => {{ {some} v.encode({buf}, version)?; }}", "}"]
        else:
            out += self.enc_one(f, val, f"&{val}", flex, buf)
        return out

    def decode_field(self, s, f, flex, d="d"):
        """Statements reading field f into `this`."""
        where, val = f"{s.name}.{f.rust}", f"this.{f.rust}"
        present = intersect(f.versions, s.range)
        not_null = negate(cond(f.nullable, present) if f.nullable else "false") if f.optional else "true"
        err = f'super::null_decoded("{where}", version)'
        if f.array:
            size = max(1, min(min_elem(f, v, self.msg.flex) for v in range(present[0], present[1] + 1)))
            out = [f"let n = {pick(flex, f'{d}.compact_array_len()?', f'{d}.array_len()?')};"]
            fill = [f"let mut v = Vec::with_capacity({d}.capacity_for(n, {size}));",
                    f"for _ in 0..n {{ v.push({self.dec_one(f, flex, d)}); }}"]
            if not f.optional:
                return [*out, f"let n = n.ok_or_else(|| {err})?;", *fill, f"{val} = v;"]
            # Optional arrays default to None, so a null needs no assignment.
            out += ["if let Some(n) = n {", *fill, f"{val} = Some(v);"]
            if not_null == "true":
                return [*out, f"}} else {{ return Err({err}); }}"]
            if not_null != "false":
                return [*out, f"}} else if {not_null} {{ return Err({err}); }}"]
            return [*out, "}"]
        if f.type in ("string", "bytes", "records") and f.optional:
            name = "string" if f.type == "string" else "bytes"
            out = [f"{val} = {pick(flex, f'{d}.compact_nullable_{name}()?', f'{d}.nullable_{name}()?')};"]
        elif f.struct and f.optional:
            marker, none, some = (f"{d}.unsigned_varint()?", "0", "1") if f.tagged else (f"{d}.i8()?", "-1", "1")
            bad = f'return Err(ProtocolError::Invalid(format!("presence byte {{b}} for {where}")))'
            out = [f"{val} = match {marker} {{", f"{none} => None,",
                   f"{some} => Some({f.struct.name}::decode({d}, version)?),", f"b => {bad},", "};"]
        else:
            return [f"{val} = {self.dec_one(f, flex, d)};"]
        return out + null_check(not_null, val, err)

    # -----------------------------------------------------------------------------------------

    def struct_code(self, s):
        msg, top = self.msg, s is self.msg.top
        flex = self.flex(s)
        flex_range = intersect((msg.flex, MAX_V), s.range)  # where tagged fields can be
        inline = [f for f in s.fields if intersect(f.versions, s.range) and not f.tagged]
        tagged = [f for f in s.fields if intersect(f.versions, s.range) and f.tagged]
        out = []
        if top:
            v = f"versions {msg.valid[0]}-{msg.valid[1]}"
            fl = f", flexible from v{msg.flex}" if msg.flex <= msg.valid[1] else ""
            if msg.kind == "data":
                out.append(f"/// `{msg.spec}`: data embedded in other messages (no API key), {v}{fl}.")
            else:
                out.append(f"/// The `{msg.api}` {msg.kind} (API key {msg.api_key}), {v}{fl}.")
            if msg.spec == "ApiVersionsResponse":
                out += ["///", "/// Its response header is always v0. A broker that does not support the requested",
                        "/// version answers with a v0 body (error UNSUPPORTED_VERSION) listing its versions."]
        else:
            out.append(f"/// {doc(s.doc)}")
        out += ["#[derive(Debug, Clone, PartialEq)]", f"pub struct {s.name} {{"]
        for f in s.fields:
            out.append(f"/// {doc(f.about)}{field_note(f, s.range)}")
            out.append(f"pub {f.rust}: {rust_type(f)},")
        out += ["/// Tagged fields this code does not know, kept to be written back.",
                "pub unknown_tagged_fields: Vec<(u32, Bytes)>,", "}", ""]

        out += [f"impl Default for {s.name} {{", "fn default() -> Self {", f"{s.name} {{"]
        out += [f"{f.rust}: {default_expr(f, s.name + '.' + f.name)}," for f in s.fields]
        out += ["unknown_tagged_fields: Vec::new(),", "}", "}", "}", ""]

        # Encodable
        check = [f"super::check_version({msg.api_key}, version, {msg.valid[0]}, {msg.valid[1]})?;"] if top else []
        body = list(check)
        for f in inline:
            body += guard(cond(f.versions, s.range), self.encode_field(s, f, flex))
        tag_body = ["let mut tagged = Vec::new();"] if tagged else []
        for f in tagged:
            c = cond(intersect(f.versions, f.tagged), flex_range)
            nd = not_default(f, f"self.{f.rust}", s.name + "." + f.name)
            c = nd if c == "true" else f"{c} && {nd}"
            tag_body += [f"if {c} {{", "let mut b = BytesMut::new();",
                         *self.encode_field(s, f, "true", tagged=True, buf="&mut b"), f"tagged.push(({f.tag}, b));", "}"]
        known = "tagged" if tagged else "Vec::new()"
        tag_body.append(f"super::put_tagged(buf, {known}, &self.unknown_tagged_fields)?;")
        body += guard(flex, tag_body)
        uses_version = uses(body, "version")
        out += [f"impl Encodable for {s.name} {{",
                f"fn encode(&self, buf: &mut BytesMut, {'' if uses_version else '_'}version: i16) -> Result<()> {{",
                *body, "Ok(())", "}", "}", ""]

        # Decodable
        body = list(check) + ["let mut this = Self::default();"]
        for f in inline:
            body += guard(cond(f.versions, s.range), self.decode_field(s, f, flex))
        arms = []
        for f in tagged:
            c = cond(intersect(f.versions, f.tagged), flex_range)
            arm = f"{f.tag} if {c} => {{" if c != "true" else f"{f.tag} => {{"
            arms += [arm, *self.decode_field(s, f, "true", d="sub"), f'super::tag_end(sub, "{s.name}.{f.rust}")?;', "}"]
        if arms:
            cb = ["|tag, sub| {", "match tag {", *arms, "_ => return Ok(false),", "}", "Ok(true)", "}"]
        else:
            cb = ["|_, _| Ok(false)"]
        body += guard(flex, ["this.unknown_tagged_fields = d.tagged_fields(", *cb, ")?;"])
        uses_version, uses_d = uses(body, "version"), uses(body, "d")
        out += [f"impl Decodable for {s.name} {{",
                f"fn decode({'' if uses_d else '_'}d: &mut Decoder, {'' if uses_version else '_'}version: i16) -> Result<Self> {{",
                *body, "Ok(this)", "}", "}", ""]
        return out

    def module(self):
        msg = self.msg
        body = []
        for s in msg.structs:
            body += self.struct_code(s)
        if msg.kind == "request":
            resp = msg.spec[: -len("Request")] + "Response"
            body += [f"impl Request for {msg.spec} {{", f"const API_KEY: i16 = {msg.api_key};",
                     f'const NAME: &\'static str = "{msg.api}";', f"const MIN_VERSION: i16 = {msg.valid[0]};",
                     f"const MAX_VERSION: i16 = {msg.valid[1]};",
                     f"const FLEXIBLE_MIN_VERSION: i16 = {min(msg.flex, MAX_V)};",
                     f"type Response = super::{snake(resp)}::{resp};", "}"]
        text = "\n".join(body)
        bufmut = re.search(r"\.put_(i8|i16|u16|i32|u32|i64|f64)\(", text)
        imports = [f"use bytes::{{{'BufMut, ' if bufmut else ''}Bytes, BytesMut}};", ""]
        wire = sorted(set(re.findall(r"(?<![.:\w])(put_\w+)\(", text)))
        if wire:
            imports.append(f"use crate::protocol::wire::{{{', '.join(wire)}}};")
        proto = ["Decodable", "Decoder", "Encodable"] + (["ProtocolError"] if "ProtocolError::" in text else [])
        proto += (["Request"] if msg.kind == "request" else []) + ["Result"]
        imports.append(f"use crate::protocol::{{{', '.join(proto)}}};")
        if "Uuid" in text:
            imports += ["", "use super::Uuid;"]
        if msg.kind == "data":
            what = "a data struct embedded in other messages (no API key)"
        else:
            what = f"the `{msg.api}` {msg.kind} (API key {msg.api_key})"
        head = [f"// @generated by scripts/gen_protocol.py from {self.source} ({SpecJar.path(msg.spec)}). Do not edit.",
                f"//! `{msg.spec}`: {what}.", ""]
        return "\n".join(head + imports + [""] + body) + "\n"


def uses(lines, var):
    """Whether the Rust variable `var` occurs in lines (outside string literals)."""
    return any(re.search(rf"\b{var}\b", re.sub(r'"[^"]*"', "", line)) for line in lines)


def null_check(not_null, val, err):
    """`return Err(err)` if val is None where the field is not nullable."""
    if not_null == "false":
        return []
    c = f"{val}.is_none()" if not_null == "true" else f"{not_null} && {val}.is_none()"
    return [f"if {c} {{ return Err({err}); }}"]


def receiver(buf):
    """`&mut b` (an argument) -> `b` (a method receiver)."""
    return buf.removeprefix("&mut ")


def min_elem(f, v, flex_from):
    if f.struct:
        return min_size(f.struct, v, flex_from)
    if f.type in PRIMS:
        return PRIMS[f.type][1]
    return 1 if v >= flex_from else 2 if f.type == "string" else 4


def doc(text):
    return re.sub(r"([<\[\]])", r"\\\1", text) if text else "(undocumented)"


def vstr(r):
    return f"v{r[0]}+" if r[1] == MAX_V else f"v{r[0]}" if r[0] == r[1] else f"v{r[0]}-{r[1]}"


def field_note(f, srange):
    notes = []
    if intersect(f.versions, srange) != srange:
        notes.append(vstr(f.versions))
    if f.nullable:
        notes.append("nullable " + vstr(f.nullable))
    if f.tagged:
        notes.append(f"tag {f.tag}")
    return f" ({', '.join(notes)})" if notes else ""


# ---------------------------------------------------------------------------------------------
# mod.rs and the test-only samples.rs

MOD_HELPERS = '''
/// Fails unless `version` is one this code implements for `api_key`.
fn check_version(api_key: i16, version: i16, min: i16, max: i16) -> Result<()> {
    if (min..=max).contains(&version) {
        Ok(())
    } else {
        Err(ProtocolError::UnsupportedVersion { api_key, version })
    }
}

fn null_field(field: &str, version: i16) -> ProtocolError {
    ProtocolError::Encode(format!("{field} is null but not nullable at version {version}"))
}

fn null_decoded(field: &str, version: i16) -> ProtocolError {
    ProtocolError::Invalid(format!("{field} is null but not nullable at version {version}"))
}

/// A known tagged field must use exactly the bytes its tag section declared.
fn tag_end(sub: &Decoder, field: &str) -> Result<()> {
    match sub.remaining() {
        0 => Ok(()),
        n => Err(ProtocolError::Invalid(format!("{n} trailing bytes in tagged field {field}"))),
    }
}

/// Writes a tagged-field section: the known fields (already encoded) merged in tag order with the
/// unknown ones kept from decoding.
fn put_tagged(buf: &mut BytesMut, known: Vec<(u32, BytesMut)>, unknown: &[(u32, Bytes)]) -> Result<()> {
    if known.is_empty() && unknown.is_empty() {
        put_unsigned_varint(buf, 0);
        return Ok(());
    }
    let mut all: Vec<(u32, &[u8])> = known.iter().map(|(t, b)| (*t, &b[..])).collect();
    all.extend(unknown.iter().map(|(t, b)| (*t, &b[..])));
    all.sort_by_key(|(t, _)| *t);
    if all.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(ProtocolError::Encode("a tagged field is set twice".into()));
    }
    put_tagged_fields(buf, &all);
    Ok(())
}
'''


def mod_rs(msgs, source):
    lines = [f"// @generated by scripts/gen_protocol.py from {source} ({SPEC_DIR_IN_JAR}/*.json). Do not edit.",
             "//! Every request and response this library speaks, and the data structs embedded in them",
             "//! (the consumer protocol), generated from Apache Kafka's JSON message specs by",
             "//! `scripts/gen_protocol.py` (one module per spec file).",
             "//!",
             "//! The ApiVersions response header is always v0, and a broker that does not support the",
             "//! requested ApiVersions version answers with a v0 response body.",
             "#![allow(clippy::derivable_impls, clippy::field_reassign_with_default)]", "",
             "use bytes::{Bytes, BytesMut};", "",
             "use super::wire::{put_tagged_fields, put_unsigned_varint};",
             "use super::{Decodable, Decoder, ProtocolError, Result};", ""]
    lines += [f"pub mod {m.module};" for m in msgs]
    lines += ["", "#[cfg(test)]", "mod samples;", "#[cfg(test)]", "mod tests;", ""]
    lines += [f"pub use {m.module}::{m.spec};" for m in msgs]
    lines += ["", "/// A UUID as 16 big-endian bytes; all zeros means \"none\".", "pub type Uuid = [u8; 16];", "",
              "pub const API_VERSIONS_KEY: i16 = api_key::API_VERSIONS;", "",
              "/// The API key of every API here.", "pub mod api_key {"]
    reqs = sorted((m for m in msgs if m.kind == "request"), key=lambda m: m.api_key)
    lines += [f"pub const {snake(m.api).upper()}: i16 = {m.api_key};" for m in reqs]
    lines += ["}", "", "/// (API key, min version, max version) implemented for every API here.",
              "pub const VERSION_RANGES: &[(i16, i16, i16)] = &["]
    lines += [f"({m.api_key}, {m.valid[0]}, {m.valid[1]})," for m in reqs]
    lines += ["];", "", "/// Decodes (and discards) the response body of any API here.",
              "pub fn decode_response_body(api_key: i16, version: i16, d: &mut Decoder) -> Result<()> {",
              "match api_key {"]
    for m in reqs:
        lines.append(f"api_key::{snake(m.api).upper()} => {m.api}Response::decode(d, version).map(drop),")
    lines += ["_ => Err(ProtocolError::UnsupportedVersion { api_key, version }),", "}", "}", "",
              "/// (name, min version, max version) of every data struct here: payloads embedded in",
              "/// other messages, with no API key (their version errors name api key -1).",
              "pub const DATA_VERSION_RANGES: &[(&str, i16, i16)] = &["]
    lines += [f'("{m.spec}", {m.valid[0]}, {m.valid[1]}),' for m in msgs if m.kind == "data"]
    lines += ["];"]
    return "\n".join(lines) + "\n" + MOD_HELPERS


def samples_rs(msgs, source):
    """Test-only: `Sample::sample(version)` gives every field valid at that version a non-default
    value, and `visit_all` walks every request and response type with its version range."""
    lines = [f"// @generated by scripts/gen_protocol.py from {source} ({SPEC_DIR_IN_JAR}/*.json). Do not edit.",
             "//! Test-only sample values: every field valid at a version holds non-default data.", "",
             "use bytes::Bytes;", "", "use super::*;", "use crate::protocol::Encodable;", "",
             "pub(super) trait Sample {", "fn sample(version: i16) -> Self;", "}", "",
             "/// Called with every generated request and response type.",
             "pub(super) trait Visitor {",
             "fn visit<T: Sample + Encodable + Decodable + Default + PartialEq + std::fmt::Debug>(&mut self, name: &str, min: i16, max: i16);",
             "}", "", "pub(super) fn visit_all(v: &mut impl Visitor) {"]
    lines += [f'v.visit::<{m.spec}>("{m.spec}", {m.valid[0]}, {m.valid[1]});' for m in msgs]
    lines += ["}", ""]
    counter = [0]

    def value(f, s):
        counter[0] += 1
        k = counter[0]
        where = f"{s.name}.{f.name}"
        if f.struct:
            one = f"{path(f.struct)}::sample(version)"
        elif f.type in INT_RANGES or f.type in ("uint16", "uint32"):
            d = parse_int(f.default or 0, f.type, where) if not f.array else None
            n = 1 + k % 100
            one = str(n + 1 if n == d else n)
        elif f.type == "bool":
            one = "false" if default_expr(f, where) == "true" else "true"
        elif f.type == "float64":
            one = f"{k}.5"
        elif f.type == "uuid":
            one = f"[{1 + k % 250}; 16]"
        elif f.type == "string":
            one = f'String::from("s{k}")'
        else:
            one = f'Bytes::from_static(b"b{k}")'
        if f.array:
            one = f"vec![{one}, {one}]" if not f.struct else f"vec![{one}]"
        return f"Some({one})" if f.optional else one

    for m in msgs:
        for s in m.structs:
            flex = cond((m.flex, MAX_V), s.range)
            body = []
            for f in s.fields:
                r = intersect(intersect(f.versions, f.tagged), (m.flex, MAX_V)) if f.tagged else f.versions
                c = cond(r, s.range) if r else "false"
                body += guard(c, [f"s.{f.rust} = {value(f, s)};"])
            body += guard(flex, ['s.unknown_tagged_fields = vec![(1000, Bytes::from_static(b"??"))];'])
            used = uses(body, "version")
            lines += [f"impl Sample for {path(s)} {{",
                      f"fn sample({'' if used else '_'}version: i16) -> Self {{",
                      "let mut s = Self::default();", *body, "s", "}", "}", ""]
    return "\n".join(lines)


def path(s):
    return f"{s.module_path}::{s.name}"


# ---------------------------------------------------------------------------------------------


def rustfmt(text):
    r = subprocess.run(["rustfmt", "--edition", "2021", "--config-path", str(REPO / "rustfmt.toml")],
                       input=text, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"rustfmt failed:\n{r.stderr}\n--- input ---\n{text}")
    return r.stdout


def generate(jar):
    msgs = []
    for api in APIS:
        req = load_message(jar, api, "request")
        resp = load_message(jar, api, "response", req.valid)
        check(req.api_key == resp.api_key, api)
        msgs += [req, resp]
    msgs += [load_message(jar, name, "data") for name in DATA]
    files = {f"{m.module}.rs": Gen(m, jar.source).module() for m in msgs}
    files["mod.rs"] = mod_rs(msgs, jar.source)
    files["samples.rs"] = samples_rs(msgs, jar.source)
    return {name: rustfmt(text) for name, text in files.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jar", type=Path, help="a kafka-clients jar (default: the test broker's version, "
                    "from scripts/kafka-local.sh clients-jar)")
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed output is stale")
    args = ap.parse_args()
    jar = SpecJar(args.jar or default_jar())
    files = generate(jar)
    old = {p.name: p.read_text() for p in OUT_DIR.glob("*.rs") if p.name not in HAND_WRITTEN}
    old = {n: t for n, t in old.items() if n in files or t.startswith("// @generated")}
    stale = sorted(n for n in files.keys() | old.keys() if files.get(n) != old.get(n))
    if args.check:
        if stale:
            how = "python3 scripts/gen_protocol.py" + (f" --jar {args.jar}" if args.jar else "")
            print(f"stale generated files (from {jar.source}; regenerate with {how}):")
            print("\n".join(f"  src/protocol/messages/{n}" for n in stale))
            sys.exit(1)
        return
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for n in stale:
        if n in files:
            (OUT_DIR / n).write_text(files[n])
        else:
            (OUT_DIR / n).unlink()
    print(f"wrote {len(stale)} of {len(files)} files in {OUT_DIR.relative_to(REPO)}")


if __name__ == "__main__":
    main()
