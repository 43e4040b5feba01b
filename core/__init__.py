"""Settings, database, the area tree, users and background tasks. Imports no other loaxa package."""
