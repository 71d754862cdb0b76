"""Fuzzing vpcsim's input surfaces with hypothesis (issue 15): ``python -m fuzz`` or ``make fuzz``.

:mod:`fuzz.mutate` changes valid documents field by field, :mod:`fuzz.surfaces` says what each
surface's seeds and commands are, :mod:`fuzz.oracle` what every run must satisfy,
:mod:`fuzz.runner` runs ``vpcsim`` in-process, and :mod:`fuzz.campaign` puts them together.
``docs/fuzzing.md`` describes the campaign and records its figures; ``tests/fuzz`` runs a short
derandomized campaign of every surface in ``make test``.
"""
