"""Chapter 5: Interacting with other services (Python Microservices Development)."""
