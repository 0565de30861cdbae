"""Chapter 6, Monitoring Your Services: logs, metrics, traces of Runnerly."""
