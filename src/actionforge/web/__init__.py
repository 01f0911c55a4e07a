"""The HTTP layer: translates requests to `platform` calls and results back to JSON."""
