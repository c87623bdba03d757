#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Rules (b) and (c) of layout.sh.

(b) A top-level folder's README says what it may depend on, in one line (continued until a blank line, ended by a full stop
or a semicolon):

    Depends on: libkeel (keel, keelnl), libbpf, libmnl.

An item is a folder of the tree or an external dependency (a
dependency('x') of the root meson.build, by its variable); a folder may
name the libraries allowed, in parentheses.  Every *_dep variable (and
external dependency) the folder's meson.build files use must be its own or
on that list.

(c) Every quoted #include of a folder's C files names a header of the same
top-level folder or of a folder on its "Depends on:" line (a BPF skeleton,
NAME.skel.h, is the folder's of NAME.bpf.c, else lb-dataplane's); and
inside one directory, where module X depends on module Y when X.c includes
Y.h, no module depends on itself through others (no cycle).

Prints "b FOLDER<TAB>finding" and "c DIR<TAB>finding" lines; no output:
all hold.

    layout_deps.py SRCDIR
"""
import os
import re
import sys

src = sys.argv[1]
skip_dirs = ('tests', 'docs', 'scripts')


def meson_files(folder):
    for root, dirs, files in os.walk(os.path.join(src, folder)):
        dirs[:] = [d for d in dirs if not d.startswith(('build', '.'))]
        if 'meson.build' in files:
            yield os.path.join(root, 'meson.build')


def code(path):
    """The file without its comments."""
    with open(path) as f:
        return re.sub(r'#[^\n]*', '', f.read())


def folders():
    for d in sorted(os.listdir(src)):
        if (d not in skip_dirs and not d.startswith(('build', '.')) and
                os.path.isfile(os.path.join(src, d, 'meson.build'))):
            yield d


root = code(os.path.join(src, 'meson.build'))
external = set(re.findall(r'^(\w+)\s*=\s*dependency\(', root, re.M))

# Each declared *_dep: its folder and its library's name.
owner = {}
for d in folders():
    for m in meson_files(d):
        text = code(m)
        libs = dict(re.findall(
            r"^(\w+)\s*=\s*(?:static_library|library)\(\s*'([^']+)'",
            text, re.M))
        for dep, body in re.findall(
                r'^(\w+_dep)\s*=\s*declare_dependency\(([^)]*)\)', text,
                re.M | re.S):
            lw = re.search(r'link_with:\s*\[?\s*(\w+)', body)
            owner[dep] = (d, libs.get(lw.group(1)) if lw else None)


def split_top(s, seps):
    """s split at the separators that are outside parentheses."""
    out, depth, cur, i = [], 0, '', 0
    while i < len(s):
        c = s[i]
        depth += (c == '(') - (c == ')')
        hit = next((x for x in seps if depth == 0 and s.startswith(x, i)),
                   None)
        if hit:
            out.append(cur)
            cur = ''
            i += len(hit)
            continue
        cur += c
        i += 1
    out.append(cur)
    return [x.strip() for x in out if x.strip()]


def parse_depends(readme):
    """{item: set of libraries or None}, or None without the line."""
    try:
        with open(readme) as f:
            lines = f.read().split('\n')
    except OSError:
        return None
    for i, line in enumerate(lines):
        if line.startswith('Depends on:'):
            text = line[len('Depends on:'):]
            for more in lines[i + 1:]:
                if not more.strip():
                    break
                text += ' ' + more
            break
    else:
        return None
    text = re.split(r'\.(\s|$)|;', text.replace('`', ''))[0]
    items = {}
    for item in split_top(text, [',', ' and ']):
        m = re.match(r'(?:and\s+)?([\w./-]+)(?:\s+only)?\s*(?:\((.*)\))?',
                     item)
        if not m:
            continue
        libs = None
        if m.group(2) is not None:
            libs = {x.strip().split()[0] for x in m.group(2).split(',')
                    if x.strip()}
        items[m.group(1)] = libs
    return items


for d in folders():
    deps = parse_depends(os.path.join(src, d, 'README.md'))
    if deps is None:
        print(f"b {d}\tno 'Depends on:' line in {d}/README.md")
        continue
    used = set()
    for m in meson_files(d):
        text = code(m)
        for w in re.findall(r'\b(\w+)\b', text):
            if w in external or (w.endswith('_dep') and w in owner):
                used.add(w)
    for w in sorted(used):
        if w in external:
            if w not in deps:
                print(f'b {d}\tuses {w}, not on its Depends on line')
            continue
        folder, lib = owner[w]
        if folder == d:
            continue
        if folder not in deps:
            print(f'b {d}\tuses {w} of {folder}, not on its Depends on line')
        elif deps[folder] is not None and lib not in deps[folder]:
            print(f'b {d}\tuses {w} ({folder}\'s {lib}), not in '
                  f'{folder} ({", ".join(sorted(deps[folder]))})')


# (c) Where each header lives: its top-level folder and its directory.
headers, bpf = {}, {}
for root_dir, dirs, files in os.walk(src):
    dirs[:] = [x for x in dirs if not x.startswith(('build', '.'))]
    rel = os.path.relpath(root_dir, src)
    for f in files:
        if f.endswith('.h'):
            headers.setdefault(f, set()).add(rel)
        elif f.endswith('.bpf.c'):
            bpf[f[:-len('.bpf.c')]] = rel
include_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def includes(path):
    with open(path, errors='replace') as f:
        return include_re.findall(f.read())


for d in folders():
    deps = parse_depends(os.path.join(src, d, 'README.md'))
    # Without the line (b) says so; the includes are checked once it is there.
    allowed = {d} | set(deps) if deps is not None else None
    for root_dir, dirs, files in os.walk(os.path.join(src, d)):
        dirs[:] = [x for x in dirs if not x.startswith(('build', '.'))]
        rel = os.path.relpath(root_dir, src)
        graph = {}
        for f in sorted(files):
            if not f.endswith(('.c', '.h')) or f.endswith('.bpf.c'):
                continue
            mod = f.rsplit('.', 1)[0]
            for inc in includes(os.path.join(root_dir, f)):
                name = os.path.basename(inc)
                if name.endswith('.skel.h'):
                    where = {bpf.get(name[:-len('.skel.h')],
                                     'lb-dataplane/bpf')}
                else:
                    where = headers.get(name, set())
                if not where:
                    print(f'c {rel}\t{f}: "{inc}" is no header of the tree')
                    continue
                tops = {w.split(os.sep)[0] for w in where}
                if allowed is not None and not tops & allowed:
                    print(f'c {rel}\t{f}: "{inc}" is '
                          f'{"/".join(sorted(tops))}\'s, not on the '
                          f'Depends on line of {d}')
                if f.endswith('.c') and rel in where and name[:-2] != mod:
                    graph.setdefault(mod, set()).add(name[:-2])
        # The cycles: each strongly connected set of two or more modules.
        index, low, stack, on, sccs = {}, {}, [], set(), []

        def visit(v):
            index[v] = low[v] = len(index)
            stack.append(v)
            on.add(v)
            for w in graph.get(v, ()):
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                scc = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    scc.append(w)
                    if w == v:
                        break
                if len(scc) > 1:
                    sccs.append(sorted(scc))

        for v in sorted(graph):
            if v not in index:
                visit(v)
        for scc in sccs:
            print(f'c {rel}\tan include cycle among {", ".join(scc)}')
