"""Local stand-ins for outside services, used by tests and the demo."""
