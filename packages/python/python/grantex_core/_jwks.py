"""JWKS download and caching (the only I/O of the package; the Rust core performs none).

Per URL: the parsed key set (a :class:`~grantex_core.Verifier`) is kept for the lifetime the server
announces with ``Cache-Control: max-age`` (clamped to ``[min_ttl, max_ttl]``, default 30 s … 10 min; no
header means ``max_ttl``; ``no-store``/``no-cache`` mean ``min_ttl``). A token naming an unknown key triggers
one refetch, at most once per ``refetch_cooldown`` (30 s) per URL, so that rotated keys are picked up without
letting forged ``kid`` values hammer the issuer. Thread-safe; concurrent misses on one URL fetch once.

A download that fails raises :class:`~grantex_core.JwksError` with code ``JWKS_UNAVAILABLE`` (fail closed: an
expired key set is not used past its lifetime).
"""

from __future__ import annotations

import threading
import time

from . import _native
from ._native import Verifier
from .errors import JWKS_UNAVAILABLE, InvalidOptionsError, JwksError

# `urllib` (with `http.client`, `email`, `ssl`: tens of milliseconds of imports) is imported by the first
# download, `re` by the first `Cache-Control` header; `dataclasses` and `typing` never (see `_record`).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from dataclasses import dataclass
    from typing import Callable, Optional
else:
    from ._record import dataclass

__all__ = ["JwksCache", "FetchResult", "default_jwks_cache", "fetch_jwks"]

#: Largest JWKS document accepted (the core's own limit).
MAX_JWKS_BYTES = 1 << 20

_MAX_AGE = r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)"
_NO_CACHE = r"(?:^|,)\s*(?:no-store|no-cache)\s*(?:[,=]|$)"
_patterns: Optional[tuple[re.Pattern[str], re.Pattern[str]]] = None


def _cache_control_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(no-cache/no-store, max-age), compiled on first use."""
    global _patterns
    if _patterns is None:
        import re

        _patterns = (re.compile(_NO_CACHE, re.IGNORECASE), re.compile(_MAX_AGE, re.IGNORECASE))
    return _patterns


@dataclass(frozen=True)
class FetchResult:
    """A downloaded JWKS document and its ``Cache-Control`` header (``None`` when absent)."""

    body: bytes
    cache_control: Optional[str] = None


def fetch_jwks(url: str, timeout: float = 10.0, max_bytes: int = MAX_JWKS_BYTES) -> FetchResult:
    """Download a JWKS document with ``urllib.request`` (http and https only)."""
    import urllib.error
    import urllib.request

    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        raise InvalidOptionsError(f"JWKS URL must be http or https: {url!r}")
    request = urllib.request.Request(
        url,
        headers={
            "Accept": "application/jwk-set+json, application/json",
            "User-Agent": f"grantex-core-python/{_native.__version__}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
            status = getattr(response, "status", 200)
            if status != 200:
                raise JwksError(f"JWKS download from {url} answered HTTP {status}", JWKS_UNAVAILABLE)
            body = response.read(max_bytes + 1)
            cache_control = response.headers.get("Cache-Control")
    except JwksError:
        raise
    except urllib.error.HTTPError as exc:
        raise JwksError(f"JWKS download from {url} answered HTTP {exc.code}", JWKS_UNAVAILABLE) from exc
    except (OSError, ValueError) as exc:  # URLError, timeouts, connection errors, bad URLs
        raise JwksError(f"could not download the JWKS from {url}: {exc}", JWKS_UNAVAILABLE) from exc
    if len(body) > max_bytes:
        raise JwksError(f"JWKS from {url} is larger than {max_bytes} bytes", JWKS_UNAVAILABLE)
    return FetchResult(body, cache_control)


@dataclass()
class _Entry:
    verifier: Verifier
    fetched_at: float
    expires_at: float


class JwksCache:
    """A thread-safe per-URL cache of parsed key sets (see the module documentation)."""

    def __init__(
        self,
        *,
        min_ttl: float = 30.0,
        max_ttl: float = 600.0,
        refetch_cooldown: float = 30.0,
        timeout: float = 10.0,
        fetch: Optional[Callable[[str, float], FetchResult]] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 <= min_ttl <= max_ttl:
            raise ValueError("need 0 <= min_ttl <= max_ttl")
        self.min_ttl = min_ttl
        self.max_ttl = max_ttl
        self.refetch_cooldown = refetch_cooldown
        self.timeout = timeout
        self._fetch = fetch if fetch is not None else fetch_jwks
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._url_locks: dict[str, threading.Lock] = {}
        self._last_attempt: dict[str, float] = {}
        #: Number of downloads started, per URL (for monitoring and tests).
        self.fetch_count: dict[str, int] = {}

    def ttl_for(self, cache_control: Optional[str]) -> float:
        """The lifetime of a key set served with this ``Cache-Control`` header."""
        if cache_control is None:
            return self.max_ttl
        no_cache, max_age = _cache_control_patterns()
        if no_cache.search(cache_control):
            return self.min_ttl
        match = max_age.search(cache_control)
        if match is None:
            return self.max_ttl
        return float(min(max(int(match.group(1)), self.min_ttl), self.max_ttl))

    def get(self, url: str) -> Verifier:
        """The key set of ``url``, downloaded when absent or expired."""
        with self._lock:
            entry = self._entries.get(url)
        if entry is not None and self._clock() < entry.expires_at:
            return entry.verifier
        with self._url_lock(url):
            with self._lock:
                entry = self._entries.get(url)
            if entry is not None and self._clock() < entry.expires_at:
                return entry.verifier
            return self._download(url)

    def refresh_for_unknown_key(self, url: str, seen: Verifier) -> Optional[Verifier]:
        """A newer key set after a token named a key that ``seen`` lacks, or ``None`` during the cooldown.

        If another thread has already replaced ``seen``, that key set is returned without a download.
        """
        with self._url_lock(url):
            with self._lock:
                entry = self._entries.get(url)
                last = self._last_attempt.get(url)
            if entry is not None and entry.verifier is not seen:
                return entry.verifier
            if last is not None and self._clock() - last < self.refetch_cooldown:
                return None
            return self._download(url)

    def invalidate(self, url: Optional[str] = None) -> None:
        """Forget one URL's key set, or all of them (cooldowns are forgotten too)."""
        with self._lock:
            if url is None:
                self._entries.clear()
                self._last_attempt.clear()
            else:
                self._entries.pop(url, None)
                self._last_attempt.pop(url, None)

    def _url_lock(self, url: str) -> threading.Lock:
        with self._lock:
            lock = self._url_locks.get(url)
            if lock is None:
                lock = self._url_locks[url] = threading.Lock()
            return lock

    def _download(self, url: str) -> Verifier:
        """Fetch and parse; the caller holds the URL lock."""
        with self._lock:
            self._last_attempt[url] = self._clock()
            self.fetch_count[url] = self.fetch_count.get(url, 0) + 1
        result = self._fetch(url, self.timeout)
        verifier = Verifier(result.body)  # raises JwksError (INVALID_JWKS); nothing is cached then
        now = self._clock()
        entry = _Entry(verifier, now, now + self.ttl_for(result.cache_control))
        with self._lock:
            self._entries[url] = entry
        return verifier


#: The cache :func:`grantex_core.verify_grant_token` uses unless given another.
default_jwks_cache = JwksCache()
