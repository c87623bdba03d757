#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Checks of monitoring/grafana/keel-dashboard.json (suite 'monitoring'):

- valid JSON, a uid, a title, a schemaVersion;
- a datasource variable (type datasource, query prometheus), and every
  panel, every target and every query variable uses it (${datasource});
- panel ids unique, every panel placed (gridPos), no two panels overlap,
  every target has an expr and a refId unique in its panel;
- every expression (Grafana's variables replaced) parses as PromQL: they
  go through `promtool check rules` as recording rules;
- the pair's metrics (keel_pair_*) appear only in the row "LB pair", whose
  names are the pair rules' (PAIR_RULES), so the live checks split them
  the same way.

    check_dashboard.py DASHBOARD PAIR_RULES [PROMTOOL]
Exit 0: all hold; 1: a finding (printed); 77: no promtool.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import promql_names  # noqa: E402

DS_UIDS = ('${datasource}', '$datasource')


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    dash_path, pair_rules = argv[0], argv[1]
    promtool = argv[2] if len(argv) > 2 else shutil.which('promtool')
    if not promtool or not os.access(promtool, os.X_OK):
        print('SKIP: no promtool (Debian package prometheus; scripts/deps.sh)')
        return 77
    bad = []
    try:
        with open(dash_path) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        print(f'FAIL - {dash_path}: {e}')
        return 1
    for k in ('uid', 'title', 'schemaVersion', 'panels', 'templating'):
        if k not in d:
            bad.append(f'no "{k}"')
    tvars = d.get('templating', {}).get('list', [])
    dsv = [v for v in tvars if v.get('type') == 'datasource']
    if len(dsv) != 1 or dsv[0].get('name') != 'datasource' or \
            dsv[0].get('query') != 'prometheus':
        bad.append('no datasource variable "datasource" of type prometheus')
    for v in tvars:
        if v.get('type') == 'query' and \
                (v.get('datasource') or {}).get('uid') not in DS_UIDS:
            bad.append(f'variable {v.get("name")}: not on ${{datasource}}')

    flat = []
    for p in d.get('panels', []):
        flat.append(p)
        flat.extend(p.get('panels', []) if p.get('type') == 'row' else [])
    ids = [p.get('id') for p in flat]
    dup = sorted({i for i in ids if ids.count(i) > 1 or i is None},
                 key=str)
    if dup:
        bad.append(f'panel ids not unique or missing: {dup}')
    cells = {}
    exprs = []
    row = None
    for p in flat:
        name = f'panel {p.get("id")} "{p.get("title")}"'
        g = p.get('gridPos')
        if not g or not all(isinstance(g.get(k), int) for k in 'xywh'):
            bad.append(f'{name}: no gridPos')
        elif g['x'] + g['w'] > 24:
            bad.append(f'{name}: wider than the grid')
        else:
            for cx in range(g['x'], g['x'] + g['w']):
                for cy in range(g['y'], g['y'] + g['h']):
                    if (cx, cy) in cells:
                        bad.append(f'{name} overlaps {cells[(cx, cy)]}')
                        break
                    cells[(cx, cy)] = name
                else:
                    continue
                break
        if p.get('type') == 'row':
            row = p.get('title')
            continue
        if (p.get('datasource') or {}).get('uid') not in DS_UIDS:
            bad.append(f'{name}: datasource is not ${{datasource}}')
        targets = p.get('targets') or []
        if not targets:
            bad.append(f'{name}: no target')
        refs = [t.get('refId') for t in targets]
        if len(set(refs)) != len(refs) or None in refs:
            bad.append(f'{name}: refIds not unique')
        for t in targets:
            if (t.get('datasource') or {}).get('uid') not in DS_UIDS:
                bad.append(f'{name} {t.get("refId")}: datasource is not '
                           '${datasource}')
            e = t.get('expr')
            if not e:
                bad.append(f'{name} {t.get("refId")}: no expr')
                continue
            exprs.append((name, e))
            pair = any(n.startswith('keel_pair_') for n in
                       promql_names.names(promql_names.grafana_plain(e)))
            if pair != (row == promql_names.PAIR_ROW):
                bad.append(f'{name}: keel_pair_* metrics belong in the row '
                           f'"{promql_names.PAIR_ROW}" and only there')
    exprs += [('variable', e) for e in promql_names.variable_exprs(d)]
    pair_names = set(promql_names.names_of_rules([pair_rules]))
    dash_pair = set(promql_names.main_names(dash_path, True))
    if dash_pair - pair_names:
        bad.append('the pair row names metrics the pair rules do not: '
                   f'{sorted(dash_pair - pair_names)}')

    # Every expression through promtool's PromQL parser.
    with tempfile.NamedTemporaryFile('w', suffix='.yml', delete=False) as f:
        f.write('groups:\n  - name: dashboard\n    rules:\n')
        for i, (_, e) in enumerate(exprs):
            f.write(f'      - record: keel_dashboard:expr_{i}\n')
            f.write(f'        expr: {json.dumps(promql_names.grafana_plain(e))}\n')
        tmp = f.name
    try:
        r = subprocess.run([promtool, 'check', 'rules', tmp],
                           capture_output=True, text=True)
    finally:
        os.unlink(tmp)
    if r.returncode != 0:
        bad.append('promtool check rules on the expressions:\n' +
                   r.stdout + r.stderr +
                   '\n'.join(f'  expr_{i}: {n}: {e}'
                             for i, (n, e) in enumerate(exprs)))
    for b in bad:
        print(f'FAIL - {b}')
    if not bad:
        print(f'ok   - {dash_path}: {len(flat)} panels, {len(exprs)} '
              'expressions parse, datasource variable everywhere')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
