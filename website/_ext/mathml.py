"""Sphinx extension: math rendered at build time as MathML (latex2mathml), which browsers display natively.

Sphinx's default, MathJax, loads a script from the internet; the course's site works offline.
"""

from docutils import nodes
from latex2mathml.converter import convert


def _inline(self, node):
    self.body.append(f'<span class="math">{convert(node.astext())}</span>')
    raise nodes.SkipNode


def _block(self, node):
    if node.get("number"):
        self.body.append(f'<span class="eqno">({node["number"]})</span>')
    self.body.append(f'<div class="math">{convert(node.astext(), display="block")}</div>\n')
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (_inline, None), (_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
