"""The resident process: estates kept in memory between ``vpcsim`` commands.

A warm command reads its estate back from the disk cache (:mod:`vpcsim.cache`): on a
50,000-ENI estate that is a second of unpickling and half a second of imports before a question
that takes milliseconds. So, as Bazel and Gradle keep a server, the ``vpcsim`` command leaves
one process behind (:mod:`.server`) that has vpcsim imported and the estates it was asked about
read back from the disk store; the next command (:mod:`.entry`) hands it its command line, its
working folder, its environment, umask, ignored signals and its terminal (stdin, stdout,
stderr), and a forked child of the resident process runs that command line as the command would
have -- same code, same output, same exit status -- finding the estate already in memory.
Signals sent to the command reach the child; the child ends when the command is killed.

What keeps it correct: the child is a fork (copy on write), so nothing a command does leaks
into the next; the estate is looked up by the same key as the disk cache (every input file's
stat, the options, vpcsim's code), so a changed input is a miss; a resident process whose code
(or an installed dependency) changed on disk stops and the command answers by itself. What
keeps it safe: the socket is in the cache folder, which must be this user's with mode 0700, both
ends check the other's user id, and it is started with ``python -P`` from ``/`` (nothing is
imported from the folder the first command ran in). What keeps it tidy: it stops after ``$VPCSIM_RESIDENT_IDLE`` seconds without a
question (900), holds at most ``$VPCSIM_RESIDENT_ESTATES`` estates (2), stops when its socket is
removed, and ``vpcsim cache stop`` stops it; ``VPCSIM_RESIDENT=0`` or ``--no-cache`` means none
is used or started. Only commands that read an estate and end are sent to it (:data:`COMMANDS`).
"""

from __future__ import annotations

COMMANDS = frozenset(
    (
        "validate",
        "show",
        "trace",
        "ping",
        "ssh",
        "curl",
        "export",
        "why",
        "reach",
        "exposure",
        "matrix",
        "diff",
        "check",
    )
)
"""Commands answered by the resident process: they read an estate, answer and end. Servers,
the lab, ``collect`` and the demo always run in the command's own process."""
