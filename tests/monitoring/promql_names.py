#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""The metric names (and the exact label values) that monitoring/'s rules
and dashboard ask for, read from their PromQL expressions.

promtool parses PromQL (check_dashboard.py runs every dashboard expression
through `promtool check rules`) but prints no syntax tree, so the names are
taken from the text once it has parsed: strings, label matchers, ranges and
the label lists of by/without/on/ignoring/group_* removed, what is left
that is neither a call, a keyword nor a number is a metric name.

    promql_names.py rules FILE...            names in alerting rule files
    promql_names.py dashboard FILE [--pair | --no-pair]
                                             names in a Grafana dashboard
                                             (its panels and variables);
                                             --pair: only its "LB pair"
                                             row's, --no-pair: the others
    promql_names.py --exprs dashboard ...    the expressions, one a line,
                                             Grafana's variables replaced
    promql_names.py --labels ...             METRIC<TAB>LABEL<TAB>VALUE
                                             lines: each label value an
                                             expression asks for exactly
Prints one name a line, sorted.
"""
import json
import re
import sys

KEYWORDS = {'and', 'or', 'unless', 'by', 'without', 'on', 'ignoring',
            'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan',
            'atan2'}
PAIR_ROW = 'LB pair'


def grafana_plain(expr):
    """The expression with Grafana's variables replaced by PromQL that
    parses ($__rate_interval by a duration, other variables by a regex)."""
    expr = re.sub(r'\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}',
                  '5m', expr)
    return re.sub(r'\$\{\w+(:\w+)?\}|\$\w+', '.*', expr)


def names(expr):
    e = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    e = re.sub(r'\{[^}]*\}', ' ', e)
    e = re.sub(r'\[[^\]]*\]', ' ', e)
    e = re.sub(r'\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)',
               ' ', e)
    out = set()
    for m in re.finditer(r'[a-zA-Z_:][a-zA-Z0-9_:]*', e):
        before = e[m.start() - 1] if m.start() else ' '
        if before.isdigit() or before == '.':
            continue  # 5m, 1e3, 0.5
        if re.match(r'\s*\(', e[m.end():]) or m.group(0) in KEYWORDS:
            continue
        out.add(m.group(0))
    return out


def labels(expr):
    """(metric, label, value) for each label value a selector names exactly
    (label="v", or label=~"a|b" of plain words)."""
    out = set()
    for m in re.finditer(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}', expr):
        for lm in re.finditer(r'(\w+)\s*(=~|=)\s*"([^"]*)"', m.group(2)):
            label, op, v = lm.groups()
            if '$' in v:
                continue
            if op == '=':
                out.add((m.group(1), label, v))
            elif re.fullmatch(r'[\w-]+(\|[\w-]+)*', v):
                out.update((m.group(1), label, x) for x in v.split('|'))
    return out


def rule_exprs(path):
    import yaml
    with open(path) as f:
        doc = yaml.safe_load(f)
    for g in doc.get('groups', []):
        for r in g.get('rules', []):
            yield r['expr']


def variable_exprs(d):
    """The selectors of the dashboard's label_values() variables."""
    out = []
    for v in d.get('templating', {}).get('list', []):
        q = v.get('query')
        if v.get('type') == 'query':
            q = q.get('query', '') if isinstance(q, dict) else q
            m = re.match(r'\s*label_values\((.*),\s*\w+\s*\)\s*$', q or '')
            if m:
                out.append(m.group(1))
    return out


def dashboard_exprs(path, pair=None):
    """Each expression of the dashboard (raw: Grafana's variables in it).
    pair: True for the pair row's only, False for all but those; None:
    all, the variables' selectors too."""
    with open(path) as f:
        d = json.load(f)
    row = None
    out = []
    for p in d.get('panels', []):
        if p.get('type') == 'row':
            row = p.get('title')
            inner = p.get('panels', [])
        else:
            inner = [p]
        for q in inner:
            for t in q.get('targets', []):
                if 'expr' in t:
                    out.append((row, t['expr']))
    out += [(None, e) for e in variable_exprs(d)]
    if pair is None:
        return [e for _, e in out]
    return [e for r, e in out if (r == PAIR_ROW) == pair]


def names_of_rules(paths):
    return sorted({n for p in paths for e in rule_exprs(p) for n in names(e)})


def main_names(path, pair=None):
    return sorted({n for e in dashboard_exprs(path, pair)
                   for n in names(grafana_plain(e))})


def main(argv):
    want_labels = '--labels' in argv
    want_exprs = '--exprs' in argv
    argv = [a for a in argv if a not in ('--labels', '--exprs')]
    if len(argv) < 2 or argv[0] not in ('rules', 'dashboard'):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == 'rules':
        exprs = [e for p in argv[1:] for e in rule_exprs(p)]
    else:
        pair = {'--pair': True, '--no-pair': False}.get(
            argv[2] if len(argv) > 2 else None)
        exprs = [grafana_plain(e) for e in dashboard_exprs(argv[1], pair)]
    if want_exprs:
        for e in exprs:
            print(' '.join(e.split()))
    elif want_labels:
        for t in sorted({x for e in exprs for x in labels(e)}):
            print('\t'.join(t))
    else:
        for n in sorted({n for e in exprs for n in names(e)}):
            print(n)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
