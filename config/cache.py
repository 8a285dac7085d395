"""Django's Redis cache, keeping its `redis.Redis` clients.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` on every cache call, and
each one fills a table of about 170 response callbacks: a third of a millisecond, twice per
write on the counter (the rule book's version, a patient notice's wake-up). The client is
only a handle on the connection pool and safe to share, so one per pool is kept."""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # Django's own choice of server and pool
        client = self._clients.get(id(pool))  # pools live as long as this object
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
