"""Test support shared by every chapter: ports, live servers, real services.

Not chapter code: it is what lets one ``pytest`` start real servers on free
loopback ports and stop them again.
"""
