#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Rule (b) of layout.sh: a top-level folder's README says what it may
depend on, in one line (continued until a blank line, ended by a full stop
or a semicolon):

    Depends on: libkeel (keel, keelnl), libbpf, libmnl.

An item is a folder of the tree or an external dependency (a
dependency('x') of the root meson.build, by its variable); a folder may
name the libraries allowed, in parentheses.  Every *_dep variable (and
external dependency) the folder's meson.build files use must be its own or
on that list.  Prints "FOLDER<TAB>finding" lines; no output: all hold.

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
        print(f"{d}\tno 'Depends on:' line in {d}/README.md")
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
                print(f'{d}\tuses {w}, not on its Depends on line')
            continue
        folder, lib = owner[w]
        if folder == d:
            continue
        if folder not in deps:
            print(f'{d}\tuses {w} of {folder}, not on its Depends on line')
        elif deps[folder] is not None and lib not in deps[folder]:
            print(f'{d}\tuses {w} ({folder}\'s {lib}), not in '
                  f'{folder} ({", ".join(sorted(deps[folder]))})')
