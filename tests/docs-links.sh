#!/usr/bin/env bash
# The README and docs/*.md point only at things that exist: every relative
# Markdown link (file, and #anchor in it), and every `path` in backticks
# that names a file or directory of the lab (run.sh, .ci/, bench/, docs/,
# ...; build/ and results/ are outputs and not checked). A path that a
# recipe tells the reader to create is declared on a line
# `<!-- docs-links: new PATH... -->` in that file. Also: the README's test
# command is the one .ci/run runs. Exit 77 without python3.
set -euo pipefail

ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
command -v python3 >/dev/null 2>&1 || { echo "docs-links: SKIP: python3 not found" >&2; exit 77; }

python3 - "$ROOT" <<'EOF'
import os, re, sys, glob

root = sys.argv[1]
files = [os.path.join(root, 'README.md')] + sorted(glob.glob(os.path.join(root, 'docs', '*.md')))
TOP = r'(?:\.ci|analysis|bench|docs|experiments|guest|harness|history|include/folio-lab|kernel-module|kernels|kunit|model|plots|tests|run\.sh)'
path_re = re.compile(r'^(?:\./)?(' + TOP + r'(?:/[A-Za-z0-9._+-]*)*)$')
bad = []

def anchor(text):
    a = text.strip().lower()
    a = re.sub(r'[^\w\- ]', '', a)
    return a.replace(' ', '-')

def parse(path):
    """Lines outside fenced code, and the file's heading anchors."""
    lines, anchors, seen, fence = [], set(), {}, False
    for n, l in enumerate(open(path, encoding='utf-8').read().split('\n'), 1):
        if l.lstrip().startswith('```'):
            fence = not fence
            continue
        if fence:
            continue
        lines.append((n, l))
        m = re.match(r'^#{1,6} (.*)$', l)
        if m:
            a = anchor(m.group(1))
            k = seen.get(a, 0)
            seen[a] = k + 1
            anchors.add(a if k == 0 else f'{a}-{k}')
    return lines, anchors

cache = {}
def anchors_of(path):
    if path not in cache:
        cache[path] = parse(path)[1]
    return cache[path]

nlinks = npaths = 0
for f in files:
    rel = os.path.relpath(f, root)
    lines, own = parse(f)
    cache[f] = own
    new = set()
    for _, l in lines:
        for m in re.finditer(r'<!-- docs-links: new ([^>]*?) -->', l):
            new.update(m.group(1).split())
    for n, l in lines:
        # Markdown links [text](target), not images of remote pages.
        for m in re.finditer(r'\]\(([^)\s]+)\)', l):
            t = m.group(1)
            if re.match(r'^[a-z]+:', t):
                continue
            nlinks += 1
            p, _, a = t.partition('#')
            target = os.path.normpath(os.path.join(os.path.dirname(f), p)) if p else f
            if not os.path.exists(target):
                bad.append(f'{rel}:{n}: link to a missing file: {t}')
            elif a and target.endswith('.md') and a not in anchors_of(target):
                bad.append(f'{rel}:{n}: link to a missing anchor: {t}')
        # `paths` of the lab in inline code (the first word of a command).
        for m in re.finditer(r'`([^`]+)`', re.sub(r'\]\([^)]*\)', '', l)):
            w = m.group(1).split()
            if not w:
                continue
            pm = path_re.match(w[0])
            if not pm:
                continue
            p = pm.group(1).rstrip('/')
            # Placeholders (KIND, NAME, LABEL) are not paths.
            if any(re.search(r'[A-Z]{2,}', c) for c in p.split('/')[1:]):
                continue
            npaths += 1
            if p in new:
                continue
            if not os.path.exists(os.path.join(root, p)):
                bad.append(f'{rel}:{n}: no such path in the lab: {p}')

readme = open(os.path.join(root, 'README.md'), encoding='utf-8').read()
ci = open(os.path.join(root, '.ci', 'run'), encoding='utf-8').read()
if 'exec ./run.sh test\n' not in ci:
    bad.append('.ci/run: does not run `./run.sh test`')
if '\n./run.sh test       # every test (ctest); this is what CI runs (.ci/run)\n' not in readme:
    bad.append("README.md: the test command line (`./run.sh test ... (.ci/run)`) changed")

for b in bad:
    print('docs-links: FAIL:', b)
print(f'docs-links: {len(files)} files, {nlinks} links, {npaths} paths checked, {len(bad)} dangling')
sys.exit(1 if bad else 0)
EOF
