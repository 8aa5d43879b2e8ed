"""The one token service: revocable, scoped, expiring secrets for URLs and API clients, stored hashed."""
