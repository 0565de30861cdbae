"""Book: chapter 8, "Bringing It All Together": Runnerly as services.

The data service, the Strava worker, the TokenDealer and the dashboard, each
its own process and its own package, so that chapter 9 can package each one.
"""
