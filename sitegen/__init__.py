"""sitegen: a Harp-style static-site compiler for websites kept in Nextcloud."""

__version__ = "0.1.0"
