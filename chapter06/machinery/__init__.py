"""What chapter 6's examples send their logs, errors and traces to.

Stand-ins for Graylog's GELF input, Sentry and an OpenTelemetry collector,
the benchmark of what monitoring costs, and the launcher that runs several
processes at once (``python -m chapter06``, and chapters 7 to 10 after it).
The book's examples are one level up; this folder holds what runs or
measures them.
"""
