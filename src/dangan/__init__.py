"""dangan (档案): forms, archive, search and watched folders for a property-management service centre."""

__version__ = "0.1.0"
