#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""guide-blocks.py GUIDE OUTDIR - the marked blocks of a guide, for tests/guides-*.sh

A guide (Markdown or a man page) marks each block a reader acts on with a
comment just before it:

    Markdown:  <!-- guide-test: KIND [ARG] -->   then a fenced or indented block
    man page:  .\\" guide-test: KIND [ARG]         then .nf/.EX ... .fi/.EE

KIND is "run" (commands typed at a shell) or "file PATH" (the contents of
the file PATH, "~" meaning the reader's home). Writes OUTDIR/list, one line
per block in page order ("N KIND ARG"), and OUTDIR/N, the block's text:
indentation of an indented Markdown block removed; in a man page the roff
escapes turned into the characters the reader sees and, in "run" blocks,
the shell prompts "$ " and "# " removed. Exit 1 when a marker has no block
after it or the guide has no marker.
"""
import os
import re
import sys

MD_MARK = re.compile(r'^\s*<!--\s*guide-test:\s*(\S+)\s*(.*?)\s*-->\s*$')
MAN_MARK = re.compile(r'^\.\\"\s*guide-test:\s*(\S+)\s*(.*?)\s*$')
ROFF = [(r'\(aq', "'"), (r'\(dq', '"'), (r'\(em', '\u2014'), (r'\(en', '\u2013'),
        (r'\-', '-'), (r'\&', ''), (r'\e', '\\'), (r'\~', ' ')]


def unroff(line):
    """the text a reader of the rendered page sees (the escapes used in blocks)"""
    out, i = [], 0
    while i < len(line):
        for esc, ch in ROFF:
            if line.startswith(esc, i):
                out.append(ch)
                i += len(esc)
                break
        else:
            if line.startswith(r'\f', i):      # \fB \fI \fR \fP: font changes
                i += 3
                continue
            out.append(line[i])
            i += 1
    return ''.join(out)


def md_block(lines, i):
    """the block starting at or after lines[i]: (text, next index) or None"""
    while i < len(lines) and lines[i].strip() == '':
        i += 1
    if i >= len(lines):
        return None
    if lines[i].lstrip().startswith('```'):
        j = i + 1
        body = []
        while j < len(lines) and not lines[j].lstrip().startswith('```'):
            body.append(lines[j])
            j += 1
        return '\n'.join(body) + '\n', j + 1
    indent = len(lines[i]) - len(lines[i].lstrip(' '))
    if indent < 4:
        return None
    body, j = [], i
    while j < len(lines) and (lines[j].strip() == '' or
                              len(lines[j]) - len(lines[j].lstrip(' ')) >= indent):
        body.append(lines[j][indent:])
        j += 1
    while body and body[-1].strip() == '':
        body.pop()
    return '\n'.join(body) + '\n', j


def man_block(lines, i, kind):
    """the .nf/.EX block after lines[i]: (text, next index) or None"""
    while i < len(lines) and lines[i].split()[:1] not in (['.nf'], ['.EX']):
        if lines[i].startswith('.') and lines[i].split()[0] not in ('.RS', '.PP', '.IP', '.in'):
            return None
        i += 1
    if i >= len(lines):
        return None
    body, j = [], i + 1
    while j < len(lines) and lines[j].split()[:1] not in (['.fi'], ['.EE']):
        text = unroff(lines[j])
        if kind == 'run' and (text.startswith('$ ') or text.startswith('# ')):
            text = text[2:]
        body.append(text)
        j += 1
    return '\n'.join(body) + '\n', j + 1


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: guide-blocks.py GUIDE OUTDIR')
    guide, outdir = sys.argv[1], sys.argv[2]
    with open(guide, encoding='utf-8') as f:
        lines = f.read().split('\n')
    man = not guide.endswith('.md')
    os.makedirs(outdir, exist_ok=True)
    listing, n, i = [], 0, 0
    while i < len(lines):
        m = (MAN_MARK if man else MD_MARK).match(lines[i])
        if not m:
            i += 1
            continue
        kind, arg = m.group(1), m.group(2)
        got = man_block(lines, i + 1, kind) if man else md_block(lines, i + 1)
        if got is None:
            sys.exit('%s:%d: guide-test marker without a block after it' % (guide, i + 1))
        text, i = got
        n += 1
        with open(os.path.join(outdir, str(n)), 'w', encoding='utf-8') as f:
            f.write(text)
        listing.append('%d %s %s'.rstrip() % (n, kind, arg))
    if n == 0:
        sys.exit('%s: no guide-test markers' % guide)
    with open(os.path.join(outdir, 'list'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(l.rstrip() for l in listing) + '\n')


if __name__ == '__main__':
    main()
