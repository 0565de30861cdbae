"""Chapter 4, "Designing Runnerly": the monolith, then its split into services."""
