"""Entry points of the early-warning feature (the core is tiercare.core.surveillance)."""
