"""The one place that talks to Redis (or, without ``REDIS_URL``, an in-process fake).

Keys are ``helpline:<kind>:<number key>`` where the number key is a keyed HMAC (see
``identity``): no phone number is ever stored in a key. Everything about a number has a TTL.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from typing import Any, Literal

import fakeredis
import redis
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.retry import Retry

from . import metrics

log = logging.getLogger(__name__)

PREFIX = "helpline"

# Every kind of key that holds something about one number; ``forget`` erases them all.
PERSONAL_KINDS: list[str] = ["session", "lang", "rate", "handoff-rate", "callback", "handoff",
                             "handoff-closed", "handoff-expiry"]
# The number's message counts (in the menus, in a hand-off): bare counters with the limit's
# short window as TTL. A texter's own wipe or STOP keeps them (``forget(keep_counts=True)``):
# erasing them would reset the number's limit, so the wipe word could be sent without end.
COUNT_KINDS: tuple[str, ...] = ("rate", "handoff-rate")
# Per-number kinds whose value names a key of another kind that is about the same person:
# ``forget`` erases that one too (an SMS hand-off's thread is kept under its reference).
LINKED_KINDS: dict[str, str] = {"handoff": "thread"}

# After Redis fails, requests skip it for this long instead of each waiting for a timeout:
# a caller or texter must never wait on a dead store (Twilio gives up after 15 seconds).
PAUSE_AFTER_FAILURE = 2.0


# One message of a number at a time: the key each message takes while it is answered (the
# next waits), and how long at most (milliseconds; a server that died answering leaves it to
# expire). Answering takes milliseconds; Twilio waits 15 seconds.
LEASE = "busy"
LEASE_MS = 3000

# KEYS: the number's lease, the number's keys to read, then its two count keys (menus,
# hand-off) and the minute's replies key. ARGV: the rate window, the place (among the keys
# read) of the key that says the number is in a hand-off, the lease's token and its life (ms), and "force".
# First the lease: while another message of the number is being answered, nothing is read or
# counted and the script returns false (the caller waits and asks again); "1" in force takes
# it all the same. The message is counted under the hand-off's count if that key is there,
# else under the menus' (each INCR gives every message a count of its own: no count is skipped
# or repeated, so "the first over the limit" is exactly one message). The other count is read
# as it is (a texter in the menus may still be over the hand-off's limit: see sms._person).
# Returns the values read, the count, 1 if it is the hand-off's (else 0), the other count,
# the replies count.
_BEGIN_VISIT = """
if ARGV[5] == '1' then
    redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
elseif not redis.call('SET', KEYS[1], ARGV[3], 'NX', 'PX', ARGV[4]) then
    return false
end
local menus, handoff, replies = KEYS[#KEYS - 2], KEYS[#KEYS - 1], KEYS[#KEYS]
local found = redis.call('MGET', unpack(KEYS, 2, #KEYS - 3))
local counter, other, which = menus, handoff, 0
if found[tonumber(ARGV[2])] then counter, other, which = handoff, menus, 1 end
table.insert(found, redis.call('INCR', counter))
redis.call('EXPIRE', counter, ARGV[1], 'NX')
table.insert(found, which)
table.insert(found, redis.call('GET', other))
table.insert(found, redis.call('GET', replies))
return found
"""

# KEYS: the number's lease, n keys to set, then the counters to add to.
# ARGV: the lease's token, n, then each key's value and TTL, then each counter's amount and TTL
# (set if it has none). One INCRBY per counter however much it grows (a hand-off's messages
# counted at once). Last, the lease is given back, if it is still this message's.
_FINISH_VISIT = """
local n = tonumber(ARGV[2])
for i = 1, n do
    redis.call('SET', KEYS[i + 1], ARGV[2 * i + 1], 'EX', ARGV[2 * i + 2])
end
for i = n + 1, #KEYS - 1 do
    redis.call('INCRBY', KEYS[i + 1], ARGV[2 * i + 1])
    redis.call('EXPIRE', KEYS[i + 1], ARGV[2 * i + 2], 'NX')
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('DEL', KEYS[1])
end
return n
"""

# KEYS: the number's lease. ARGV: its token. Gives the lease back if it is still that token's.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: a key holding a JSON object, then keys to set only if it is updated. ARGV: the fields
# to set in it (a JSON object), its TTL ("" keeps the TTL it has), the name of a field that
# must be empty (null or missing) or already hold the value given ("" for none), then each
# further key's value and TTL. The object's other fields stay as they are now, not as they were
# read. Returns 1 if it was updated (and everything was written), 0 if the key was not there
# (or held no JSON object), 2 if the field held another value (for both, nothing was written).
_UPDATE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' then return 0 end
local fields = cjson.decode(ARGV[1])
local guard = ARGV[3]
if guard ~= '' then
    local held = record[guard]
    if held ~= nil and held ~= cjson.null and held ~= fields[guard] then return 2 end
end
for name, value in pairs(fields) do record[name] = value end
if ARGV[2] == '' then
    redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
else
    redis.call('SET', KEYS[1], cjson.encode(record), 'EX', ARGV[2])
end
for i = 2, #KEYS do
    redis.call('SET', KEYS[i], ARGV[2 * i], 'EX', ARGV[2 * i + 1])
end
return 1
"""

# KEYS: one key holding a JSON object. ARGV: a field name and a number. Erases the key only if
# its field still holds that number; returns 1 if it did, 0 if the key holds something else
# (then it stays), -1 if there was no key.
_DELETE_IF = """
local raw = redis.call('GET', KEYS[1])
if not raw then return -1 end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' or record[ARGV[1]] ~= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
return 1
"""

# KEYS: a key to erase, then n keys to erase only if it was there, then keys to set only if it
# was. ARGV: n, then each key to set's value and TTL. Returns 1 if the first key was there
# (and everything was done), else 0 (nothing was).
_DELETE_THEN = """
local n = tonumber(ARGV[1])
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
for i = 2, n + 1 do
    redis.call('DEL', KEYS[i])
end
for i = n + 2, #KEYS do
    local at = 2 * (i - n) - 2
    redis.call('SET', KEYS[i], ARGV[at], 'EX', ARGV[at + 1])
end
return 1
"""

# What :meth:`Store.update_json` did: updated the object; nothing, as its key was gone; nothing,
# as its guarded field held another value.
Updated = Literal["updated", "gone", "held"]
_UPDATED: dict[int, Updated] = {1: "updated", 0: "gone", 2: "held"}


class StoreUnavailable(Exception):
    """Redis cannot serve now; callers fall back to answering without state.

    Not only when it does not answer in time: also when it refuses every write, as a replica
    does after a failover (READONLY, or MASTERDOWN), as a full Redis does (OOM, with the
    ``noeviction`` policy), as one that cannot save to disk does (MISCONF), or as an account
    without the rights does (NOPERM). Each of these would otherwise fail every message the
    same way.
    """


# The errors that make the store unavailable (see StoreUnavailable), and how /healthz names them.
_UNAVAILABLE: dict[type[redis.RedisError], str] = {
    redis.exceptions.ReadOnlyError: "read-only",
    redis.exceptions.MasterDownError: "read-only",
    redis.exceptions.OutOfMemoryError: "full",
    redis.exceptions.NoPermissionError: "refused",
    redis.ConnectionError: "unreachable",  # BusyLoadingError (still loading its file) too
    redis.TimeoutError: "unreachable",
}
# Errors redis-py has no class for, by the code that starts their message.
_UNAVAILABLE_CODES = {"MISCONF": "not-saving"}  # writes stopped: the last save to disk failed
# The reasons that pause the store for everyone (PAUSE_AFTER_FAILURE): each says the whole
# store cannot serve. Not "refused": an account may be denied one command only (say, the
# SCAN of the staff page) while every message's commands still work.
PAUSED_FOR = frozenset({"unreachable", "read-only", "full", "not-saving"})


def unavailable_reason(error: BaseException) -> str | None:
    """Name why ``error`` makes the store unavailable (``unreachable``, ``read-only``, ``full``,
    ``not-saving``, ``refused``); None for an error that does not (a bug, bad data)."""
    for kind, name in _UNAVAILABLE.items():
        if isinstance(error, kind):
            return name
    if isinstance(error, redis.ResponseError):
        return _UNAVAILABLE_CODES.get(str(error).split(" ", 1)[0])
    return None


HEALTH_KEY = f"{PREFIX}:health"  # written by the health check (no personal data)


class Store:
    """Small typed operations over a Redis client, with a short pause after a failure."""

    def __init__(self, client: redis.Redis, embedded: bool) -> None:
        self.client = client
        self.embedded = embedded
        # The two commands of every message, each one script run (EVALSHA): one reply to
        # read instead of one per command, which is most of a round trip's cost here.
        self._begin_visit = client.register_script(_BEGIN_VISIT)
        self._finish_visit = client.register_script(_FINISH_VISIT)
        self._update = client.register_script(_UPDATE)
        self._delete_then = client.register_script(_DELETE_THEN)
        self._delete_if = client.register_script(_DELETE_IF)
        self._release = client.register_script(_RELEASE)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _guard(self) -> _Guard:
        if time.monotonic() < self._down_until:
            raise StoreUnavailable("paused after a recent failure")
        return _Guard(self)

    def _failed(self, reason: str) -> None:
        if reason in PAUSED_FOR:
            with self._lock:
                self._down_until = time.monotonic() + PAUSE_AFTER_FAILURE
        metrics.store_failed(reason)

    @staticmethod
    def key(kind: str, number_key: str) -> str:
        return f"{PREFIX}:{kind}:{number_key}"

    def get_json(self, kind: str, number_key: str) -> Any:
        with self._guard():
            return _loads(self.client.get(self.key(kind, number_key)))

    def get_jsons(self, kinds: tuple[str, ...], number_key: str) -> list[Any]:
        """Read several kinds of key about one number in one round trip."""
        with self._guard():
            raws = self.client.mget([self.key(kind, number_key) for kind in kinds])
        return [_loads(raw) for raw in raws]

    def set_jsons(self, number_key: str, values: dict[str, tuple[Any, int]]) -> None:
        """Write several kinds of key about one number (kind -> (value, ttl)) in one round trip."""
        with self._guard():
            pipe = self.client.pipeline(transaction=False)
            for kind, (value, ttl) in values.items():
                pipe.set(self.key(kind, number_key), json.dumps(value), ex=ttl)
            pipe.execute()

    def set_json(self, kind: str, number_key: str, value: Any, ttl: int) -> None:
        with self._guard():
            self.client.set(self.key(kind, number_key), json.dumps(value), ex=ttl)

    def forget(self, number_key: str, keep_counts: bool = False) -> bool:
        """Erase every key about this number, and the keys they link to, at once (with
        ``keep_counts``, all but its message counts: see :data:`COUNT_KINDS`); return whether
        there was anything to erase."""
        keys = [self.key(kind, number_key) for kind in PERSONAL_KINDS
                if not (keep_counts and kind in COUNT_KINDS)]
        with self._guard():
            for kind, target in LINKED_KINDS.items():
                linked = self.client.get(self.key(kind, number_key))
                if linked is not None:
                    with contextlib.suppress(ValueError):
                        keys.append(self.key(target, str(json.loads(linked))))
            return bool(self.client.delete(*keys))

    def delete(self, kind: str, key: str) -> bool:
        """Erase one key; False if it was not there."""
        with self._guard():
            return bool(self.client.delete(self.key(kind, key)))

    def delete_if(self, kind: str, key: str, field: str, value: float) -> bool | None:
        """Erase one key only if its JSON object's ``field`` still holds the number ``value``, at
        once; True if it did, False if the key holds something else (it stays), None if it was
        not there."""
        with self._guard():
            found = int(self._delete_if(keys=[self.key(kind, key)], args=[field, value]))
        return None if found < 0 else bool(found)

    def delete_all(self, *keys: tuple[str, str]) -> None:
        """Erase several keys (each a kind and its key) in one round trip."""
        with self._guard():
            self.client.delete(*(self.key(kind, key) for kind, key in keys))

    def create_json(self, kind: str, key: str, value: Any, ttl: int) -> bool:
        """Store ``value`` only if the key is free; False if it was taken."""
        with self._guard():
            return bool(self.client.set(self.key(kind, key), json.dumps(value), ex=ttl, nx=True))

    def delete_then(self, first: tuple[str, str], also: list[tuple[str, str]],
                    then: dict[tuple[str, str], tuple[Any, int]]) -> bool:
        """Erase the key ``first`` (a kind and its key) and, only if it was there, the keys of
        ``also`` and then set the keys of ``then`` ((kind, key) -> (value, ttl)), all at once;
        return whether it was there. What was erased meanwhile (a hand-off wiped since it was
        read) leaves nothing written after it."""
        keys = [self.key(*first), *(self.key(*each) for each in also),
                *(self.key(*each) for each in then)]
        args: list[Any] = [len(also)]
        for value, ttl in then.values():
            args += [json.dumps(value), ttl]
        with self._guard():
            return bool(self._delete_then(keys=keys, args=args))

    def update_json(self, kind: str, key: str, fields: dict[str, Any], ttl: int | None,
                    only_if_empty: str | None = None,
                    then: dict[tuple[str, str], tuple[Any, int]] | None = None) -> Updated:
        """Set ``fields`` of the JSON object under the key, its other fields left as they are
        now (not as they were read: another request may have set them since), only if the key
        is still there and, with ``only_if_empty``, that field is empty (null or missing) or
        already holds the value ``fields`` gives it; keep it ``ttl`` seconds (None: what is
        left of its TTL); and only then set the keys of ``then`` ((kind, key) -> (value,
        ttl)). All at once. Return ``updated``, ``gone`` (the key was not there: what was
        erased since it was read stays erased) or ``held`` (the field held another value);
        only ``updated`` wrote anything.

        Numbers are written back as Lua's cjson prints them (14 significant digits)."""
        keys = [self.key(kind, key), *(self.key(k, part) for k, part in (then or {}))]
        args: list[Any] = [json.dumps(fields), "" if ttl is None else ttl, only_if_empty or ""]
        for value, each_ttl in (then or {}).values():
            args += [json.dumps(value), each_ttl]
        with self._guard():
            return _UPDATED[int(self._update(keys=keys, args=args))]

    def scan_json(self, kind: str) -> dict[str, Any]:
        """Return every key of ``kind`` (by its key part) and its value."""
        prefix = self.key(kind, "")
        with self._guard():
            keys = sorted(self.client.scan_iter(match=prefix + "*", count=500))
            values = self.client.mget(keys) if keys else []
        found = {}
        for key, raw in zip(keys, values, strict=True):
            if raw is None:
                continue  # expired between the scan and the read
            try:
                found[key[len(prefix):]] = json.loads(raw)
            except ValueError:
                continue
        return found

    def hit(self, key: str, window: int) -> int:
        """Count one event in a fixed window that starts at the first event; return the count."""
        with self._guard():
            pipe = self.client.pipeline()
            pipe.incr(key)
            pipe.expire(key, window, nx=True)
            count, _ = pipe.execute()
        return int(count)

    def move_count(self, number_key: str, source: str, target: str, window: int) -> int:
        """Move one message of this number from its ``source`` count to its ``target`` count
        (a fixed window that starts at the first event); return the ``target`` count."""
        with self._guard():
            pipe = self.client.pipeline()
            for key, step in ((self.key(source, number_key), -1),
                              (self.key(target, number_key), 1)):
                pipe.incrby(key, step)
                pipe.expire(key, window, nx=True)  # never a count without a TTL
            _, _, count, _ = pipe.execute()
        return int(count)

    def add_to_hash(self, key: str, field: str, ttl: int) -> None:
        """Add one to ``field`` of the hash ``key``, which expires ``ttl`` seconds from now."""
        with self._guard():
            pipe = self.client.pipeline()
            pipe.hincrby(key, field, 1)
            pipe.expire(key, ttl)
            pipe.execute()

    def add_counts(self, counts: dict[tuple[str, str], int], ttl: int) -> None:
        """Add each count to its (hash key, field), the hashes expiring ``ttl`` from now."""
        with self._guard():
            pipe = self.client.pipeline(transaction=False)
            for (key, name), value in counts.items():
                pipe.hincrby(key, name, value)
            for key in {key for key, _ in counts}:
                pipe.expire(key, ttl)
            pipe.execute()

    def read_hash(self, key: str) -> dict[str, int]:
        with self._guard():
            raw = self.client.hgetall(key)
        return {str(k): int(v) for k, v in raw.items()}

    def read_hashes(self, keys: list[str]) -> list[dict[str, int]]:
        """Read several counter hashes in one round trip."""
        with self._guard():
            pipe = self.client.pipeline()
            for key in keys:
                pipe.hgetall(key)
            raws = pipe.execute()
        return [{str(k): int(v) for k, v in raw.items()} for raw in raws]

    def begin_visit(self, number_key: str, kinds: tuple[str, ...], rate_window: int,
                    replies_key: str, handoff_kind: str, lease: str,
                    force: bool = False) -> tuple[list[Any], int, bool, int, int] | None:
        """Take the number's lease (token ``lease``, for at most :data:`LEASE_MS`), then read
        what an incoming message needs and count it, in one round trip.

        Returns None, having read and counted nothing, while another message of the number
        holds the lease (unless ``force``: then it is taken all the same). Else the values of
        ``kinds`` for the number; its message count in the current rate window (this message
        included), under the hand-off's count if the number has a key of ``handoff_kind``
        (one of ``kinds``), else under the menus'; whether it was the hand-off's; the other
        count, as it is (not counted); and the replies already sent under ``replies_key``.
        """
        keys = [self.key(kind, number_key) for kind in kinds]
        with self._guard():
            found = self._begin_visit(
                keys=[self.key(LEASE, number_key), *keys, self.key("rate", number_key),
                      self.key("handoff-rate", number_key), replies_key],
                args=[rate_window, kinds.index(handoff_kind) + 1, lease, LEASE_MS,
                      "1" if force else "0"])
        if found is None:
            return None
        *values, messages, which, other, replies = found
        return ([_loads(v) for v in values], int(messages), bool(which), int(other or 0),
                int(replies or 0))

    def finish_visit(self, number_key: str, values: dict[str, tuple[Any, int]],
                     counters: list[tuple[str, int, int]], lease: str) -> None:
        """Write a message's results in one round trip: values about the number (kind ->
        (value, ttl)) and counters to add to (key, amount, ttl); then give back the number's
        lease, if it is still ``lease``."""
        args: list[str | int] = [lease, len(values)]
        for value, ttl in values.values():
            args += [json.dumps(value), ttl]
        for _, amount, ttl in counters:
            args += [amount, ttl]
        with self._guard():
            self._finish_visit(keys=[self.key(LEASE, number_key),
                                     *(self.key(kind, number_key) for kind in values),
                                     *(key for key, _, _ in counters)], args=args)

    def release(self, number_key: str, lease: str) -> None:
        """Give back the number's lease (token ``lease``), even while the store pauses after a
        failure elsewhere (a visit that began before it must not hold up the number's next
        message until the lease runs out); if that fails too, it runs out. Never raises."""
        with contextlib.suppress(redis.RedisError):
            self._release(keys=[self.key(LEASE, number_key)], args=[lease])

    def check(self) -> str:
        """Say whether the store can serve: ``ok``, or why not (see :func:`unavailable_reason`;
        ``error`` for any other failure). A write, not a PING: a replica or a full Redis
        answers PING but refuses what every message writes."""
        try:
            self.client.set(HEALTH_KEY, "1", ex=60)
        except redis.RedisError as error:
            return unavailable_reason(error) or "error"
        return "ok"


def _loads(raw: Any) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class _Guard:
    """Turn the errors of an unavailable Redis into :class:`StoreUnavailable` and pause the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 *_: object) -> None:
        reason = unavailable_reason(error) if error is not None else None
        if reason is not None:
            self.store._failed(reason)
            raise StoreUnavailable(reason) from None


def connect(url: str | None) -> Store:
    """Connect to ``url``, or create the embedded in-process store when it is None."""
    if not url:
        return Store(fakeredis.FakeRedis(decode_responses=True), embedded=True)
    client = redis.Redis.from_url(
        url, decode_responses=True, socket_timeout=0.5, socket_connect_timeout=0.5,
        health_check_interval=15, retry=Retry(NoBackoff(), 1),
    )
    return Store(client, embedded=False)


def init_app(app: Flask) -> None:
    store = connect(app.config.get("REDIS_URL"))
    if store.embedded:
        log.warning("REDIS_URL is not set: using the embedded in-process store. State is lost "
                    "at restart and not shared between workers: fine for development only.")
    app.extensions["helpline.store"] = store


def get_store() -> Store:
    found: Store = current_app.extensions["helpline.store"]
    return found
