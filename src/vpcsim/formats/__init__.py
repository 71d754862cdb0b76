"""Input and output formats: the YAML spec, AWS ``describe-*`` JSON, Terraform JSON.

Formats live at the edge: they turn files into a :class:`vpcsim.model.Network` (or back) and
hold no network semantics. Internal: only the names :mod:`vpcsim` exports are public (``docs/api.md``).
"""
