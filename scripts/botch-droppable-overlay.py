#!/usr/bin/env python3
"""Turn botch's curated droppable lists into a planc overlay.

    scripts/botch-droppable-overlay.py PLAN_DIR [-o FILE] [--droppable DIR] [--lists L,...]

PLAN_DIR is a plan written by `planc import debian`. The lists are read from the
installed botch (default /usr/share/botch/droppable), the same ones botch-native applies
before it computes its feedback arc set: weak-build-dependencies.list (binary names
dropped from every source's build-dependencies) and the per-source lists pehjota,
thorsten-glaser, daniel-schepler, gentoo, wookey and selfcycles (lines
`src:SOURCE bin1 bin2 ...`, dropped from that source only). josch.list is not used by
botch-native and is not read unless named with --lists.

For every package of the plan, the build-dependency entries its stage1 instance uses (the
stage1 block's own list when it has one, else the package's; entries and alternatives
whose `when`/inline restrictions are false under the stage's profiles left out) are
matched against the lists. An entry is dropped when one of its alternatives is named,
which is what `drop` does in planc; the overlay drops that name:

    extend "SOURCE" { stage "stage1" { drop "NAME" ... } }

Only packages the plan declares get an `extend` (planc rejects an `extend` of an unknown
package). A summary (drops, sources, list entries that match nothing) goes to stderr.
Standard library only; the lists are never copied anywhere but into the overlay.
"""

import argparse
import os
import sys
from collections import defaultdict

WEAK = "weak-build-dependencies.list"
PER_SOURCE = ["pehjota", "thorsten-glaser", "daniel-schepler", "gentoo", "wookey", "selfcycles"]
STAGE = "stage1"


# --- a small reader for the KDL that `planc import debian` writes ---------------------

class KdlError(Exception):
    pass


def tokens(text, path):
    """Strings, bare words, `=`, `{`, `}` and statement ends (newline or `;`)."""
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            yield ("end", None, line)
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == ";":
            yield ("end", None, line)
            i += 1
        elif c == "\\":  # line continuation
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            line += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise KdlError("%s:%d: unterminated comment" % (path, line))
            line += text.count("\n", i, j)
            i = j + 2
        elif c in "{}=":
            yield (c, None, line)
            i += 1
        elif c == '"':
            out, i = [], i + 1
            while True:
                if i >= n:
                    raise KdlError("%s:%d: unterminated string" % (path, line))
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\":
                    e = text[i + 1:i + 2]
                    simple = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f"}
                    if e in simple:
                        out.append(simple[e])
                        i += 2
                    elif e == "u" and text[i + 2:i + 3] == "{":
                        j = text.index("}", i)
                        out.append(chr(int(text[i + 3:j], 16)))
                        i = j + 1
                    else:
                        raise KdlError("%s:%d: unsupported escape \\%s" % (path, line, e))
                else:
                    if c == "\n":
                        line += 1
                    out.append(c)
                    i += 1
            yield ("str", "".join(out), line)
        else:
            j = i
            while j < n and text[j] not in ' \t\r\n;{}="\\':
                j += 1
            yield ("word", text[i:j], line)
            i = j


def parse_kdl(path):
    """Nodes as (name, [args], {props}, [children])."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    toks = list(tokens(text, path))
    pos = 0

    def nodes(top):
        nonlocal pos
        out = []
        while pos < len(toks):
            kind, value, line = toks[pos]
            if kind == "end":
                pos += 1
            elif kind == "}":
                if top:
                    raise KdlError("%s:%d: unexpected }" % (path, line))
                pos += 1
                return out
            elif kind in ("word", "str"):
                pos += 1
                name, args, props, children = value, [], {}, []
                while pos < len(toks) and toks[pos][0] in ("word", "str"):
                    v = toks[pos][1]
                    if pos + 1 < len(toks) and toks[pos + 1][0] == "=":
                        props[v] = toks[pos + 2][1]
                        pos += 3
                    else:
                        args.append(v)
                        pos += 1
                if pos < len(toks) and toks[pos][0] == "{":
                    pos += 1
                    children = nodes(False)
                out.append((name, args, props, children))
            else:
                raise KdlError("%s:%d: unexpected %s" % (path, line, kind))
        if not top:
            raise KdlError("%s: unterminated block" % path)
        return out

    return nodes(True)


# --- dependency strings and restriction formulas ---------------------------------------

# What planc accepts in a name (`drop` rejects anything else: planc::invalid-name).
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_/@")


def restriction_holds(formula, active):
    """`<a !b> <c>`: true when some group has every term true (Debian's semantics)."""
    formula = formula.strip()
    if not formula:
        return True
    groups = []
    while formula:
        if not formula.startswith("<") or ">" not in formula:
            raise ValueError("bad restriction formula %r" % formula)
        j = formula.index(">")
        groups.append(formula[1:j].split())
        formula = formula[j + 1:].strip()
    return any(all((t[1:] not in active) if t.startswith("!") else (t in active) for t in g) for g in groups)


def alternatives(dep, active):
    """The names of a dependency string's alternatives whose inline restrictions hold."""
    out = []
    for alt in dep.split("|"):
        alt = alt.strip()
        j = 0
        while j < len(alt) and alt[j] in NAME_CHARS:
            j += 1
        name = alt[:j]
        rest = alt[j:]
        if "(" in rest:  # a version constraint, `(<< 1.5)`, comes before restrictions
            rest = rest[rest.index(")", rest.index("(")) + 1:]
        k = rest.find("<")
        if k >= 0 and not restriction_holds(rest[k:], active):
            continue
        if name:
            out.append(name)
    return out


# --- the plan --------------------------------------------------------------------------

def read_plan(plan_dir):
    """(stage profiles of STAGE, {package: (stage1 entries, block profiles)}), following
    `import` nodes from plan.kdl."""
    stage_profiles = None
    packages = {}
    seen = set()

    def visit(path):
        path = os.path.normpath(path)
        if path in seen:
            return
        seen.add(path)
        nonlocal stage_profiles
        for name, args, props, children in parse_kdl(path):
            if name == "import":
                for a in args:
                    visit(os.path.join(os.path.dirname(path), a))
            elif name == "plan":
                for cname, cargs, _, cchildren in children:
                    if cname == "stage" and cargs and cargs[0] == STAGE:
                        stage_profiles = [a for n, pa, _, _ in cchildren if n == "profiles" for a in pa]
                    if cname == "stages" and STAGE in cargs and stage_profiles is None:
                        stage_profiles = []
            elif name == "package" and args:
                default, block_deps, block_profiles, block_drops = [], None, [], []
                for cname, cargs, cprops, cchildren in children:
                    if cname == "build-depends":
                        default.extend((d, cprops.get("when", "")) for d in cargs)
                    elif cname == "stage" and cargs and cargs[0] == STAGE:
                        for bname, bargs, bprops, _ in cchildren:
                            if bname == "build-depends":
                                block_deps = (block_deps or []) + [(d, bprops.get("when", "")) for d in bargs]
                            elif bname == "profiles":
                                block_profiles.extend(bargs)
                            elif bname == "drop":
                                block_drops.extend(bargs)
                entries = block_deps if block_deps is not None else default
                old = packages.get(args[0])
                if old is not None:  # a name declared twice: planc reports it; keep the first
                    continue
                packages[args[0]] = (entries, block_profiles, block_drops)

    visit(os.path.join(plan_dir, "plan.kdl"))
    if stage_profiles is None:
        sys.exit("error: %s declares no stage `%s`" % (plan_dir, STAGE))
    return stage_profiles, packages


# --- botch's lists ---------------------------------------------------------------------

def read_lists(droppable, names):
    """({binary: [list]} dropped everywhere, {source: {binary: [list]}}, lines skipped)."""
    weak, per_source, skipped = defaultdict(list), defaultdict(lambda: defaultdict(list)), []
    for name in names:
        path = os.path.join(droppable, name if name.endswith(".list") else name + ".list")
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                words = line.split("#", 1)[0].split()
                if not words:
                    continue
                label = os.path.basename(path)
                if os.path.basename(path) == WEAK:
                    for w in words:
                        weak[w].append(label)
                elif words[0].startswith("src:"):
                    for w in words[1:]:
                        per_source[words[0][4:]][w].append(label)
                else:
                    skipped.append("%s:%d: %s" % (label, number, line.strip()))
    return weak, per_source, skipped


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("plan", help="a plan directory written by `planc import debian`")
    ap.add_argument("-o", "--output", help="overlay to write (default: stdout)")
    ap.add_argument("--droppable", default="/usr/share/botch/droppable", help="botch's droppable lists")
    ap.add_argument("--lists", default=",".join(["weak-build-dependencies"] + PER_SOURCE),
                    help="lists to apply, comma-separated (default: those botch-native applies)")
    args = ap.parse_args()

    lists = [n if n.endswith(".list") else n + ".list" for n in args.lists.split(",") if n]
    weak, per_source, skipped = read_lists(args.droppable, lists)
    stage_profiles, packages = read_plan(args.plan)

    drops = {}  # package -> {name: [lists]}
    used_weak, used_source = set(), set()
    unplanned_sources = sorted(s for s in per_source if s not in packages)
    for pkg in sorted(packages):
        entries, block_profiles, block_drops = packages[pkg]
        active = set([STAGE] + stage_profiles + block_profiles)
        mine = per_source.get(pkg, {})
        for dep, when in entries:
            if not restriction_holds(when, active):
                continue
            alts = alternatives(dep, active)
            if not alts or any(a in block_drops for a in alts):
                continue  # not used at stage1, or the plan already drops it
            for a in alts:
                if a in mine or a in weak:
                    drops.setdefault(pkg, {})[a] = sorted(set(mine.get(a, []) + weak.get(a, [])))
                    if a in mine:
                        used_source.add((pkg, a))
                    if a in weak:
                        used_weak.add(a)
                    break  # one name drops the whole entry

    out = []
    n_drops = sum(len(v) for v in drops.values())
    out.append("// botch's curated droppable lists (%s), as planc stage1 drops, written by" % ", ".join(lists))
    out.append("// scripts/botch-droppable-overlay.py from %s." % args.droppable)
    out.append("// %d dependencies in %d packages." % (n_drops, len(drops)))
    for pkg in sorted(drops):
        out.append("")
        out.append("extend %s {" % quote(pkg))
        out.append("    stage %s {" % quote(STAGE))
        for name in sorted(drops[pkg]):
            out.append("        // %s" % ", ".join(drops[pkg][name]))
            out.append("        drop %s" % quote(name))
        out.append("    }")
        out.append("}")
    text = "\n".join(out) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)

    n_weak = sum(1 for v in drops.values() for ls in v.values() if WEAK in ls)
    source_entries = sum(len(v) for v in per_source.values())
    used_source_entries = len(used_source)
    print("curated drops: %d dependencies in %d packages (%d through %s)"
          % (n_drops, len(drops), n_weak, WEAK), file=sys.stderr)
    print("per-source entries: %d in %d sources; %d used; %d sources not planned"
          % (source_entries, len(per_source), used_source_entries, len(unplanned_sources)), file=sys.stderr)
    print("weak names: %d; %d used" % (len(weak), len(used_weak)), file=sys.stderr)
    for s in skipped:
        print("skipped (not `src:SOURCE ...`): %s" % s, file=sys.stderr)


if __name__ == "__main__":
    main()
