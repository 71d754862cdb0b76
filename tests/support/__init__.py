"""What the tests share: network builders, the CLI run in-process, lab helpers, and paths.

Import from here (``from tests.support.builders import tutorial_vpc``); tests never import each other.
"""
