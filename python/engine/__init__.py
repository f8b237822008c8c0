"""The veo compute engine: London area data, tube commutes, recommendations and explanation jobs."""

VERSION = "1.0.0"
