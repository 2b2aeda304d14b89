"""Sphinx configuration of the course's website (website/build.py runs Sphinx with it; see its docstring)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

project = "PyTorch, from tensors to training"
html_title = project
extensions = ["myst_nb", "mathml"]
root_doc = "index"
language = "en"

# The notebooks come executed (website/build.py executes and caches them): render their stored outputs.
nb_execution_mode = "off"
nb_merge_streams = True
nb_output_stderr = "show"
# Widgets would load JavaScript from the internet; build.py already turned them into text.
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

html_theme = "furo"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
# Math as MathML, written at build time (the mathml extension): no script from the internet.
html_math_renderer = "mathml"
