"""The gateway: the platform's HTTP face for portals (JSON API, OpenAPI, authentication)."""
