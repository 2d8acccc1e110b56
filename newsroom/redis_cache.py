"""Django's Redis cache backend (REDIS_URL), with one redis.Redis client per connection
pool instead of one per command.

Django's RedisCacheClient.get_client() makes a new redis.Redis for every command, and
each fills a table of some 170 reply callbacks: tens of µs of a worker's CPU, as much as
the rest of a kept page's look-up (articles/caching.py). A redis.Redis holds no
connection of its own (its pool lends one to each command, and starts afresh in a forked
process), and is safe to share between threads, so one per pool serves every command.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # id of a pool (kept for the process's life): its client

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
