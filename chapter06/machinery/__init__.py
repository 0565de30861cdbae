"""What chapter 6's examples send their logs, errors and traces to.

Stand-ins for Graylog's GELF input, Sentry and an OpenTelemetry collector,
and the benchmark of what monitoring costs. The book's examples are one
level up; this folder holds what runs or measures them.
"""
