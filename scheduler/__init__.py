"""The one APScheduler process: nightly builds and content expiry."""
