"""The installed commands of the services: ``runnerly-<service>``.

One module per service, so that a service's wheel holds its own command and
nothing of the other services (see :mod:`chapter09.imports`).
"""
