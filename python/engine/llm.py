"""An OpenAI-compatible /chat/completions call with urllib: a timeout, one retry, an hourly cap.

Settings come from the environment at each call: OPENAI_API_KEY (required), OPENAI_BASE_URL
(default https://api.openai.com/v1), OPENAI_MODEL (gpt-4o-mini), LLM_TIMEOUT_S (20) and
LLM_MAX_CALLS_PER_HOUR (60, every HTTP attempt included). The cap is counted by a `Cap`: per process by
default (HourlyCap), across containers on Modal (modal_app.py passes its own).
"""
import collections
import html
import json
import os
import re
import threading
import time
import urllib.request
from collections.abc import Mapping
from typing import Literal, Protocol, TypedDict

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
ATTEMPTS = 2          # one retry
MAX_TEXT_CHARS = 2000


class LLMError(Exception):
    pass


class Message(TypedDict):
    role: Literal["system", "user"]
    content: str


class Settings(TypedDict):
    key: str
    base_url: str
    model: str
    timeout: float
    max_per_hour: int


class Cap(Protocol):
    """Grants one model call, or refuses it when `limit` calls were already made this hour."""

    def take(self, limit: int) -> bool: ...


class HourlyCap:
    """A sliding one-hour window of call times, shared by the job threads of one process."""

    def __init__(self):
        self._calls = collections.deque()
        self._lock = threading.Lock()

    def take(self, limit: int, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self._lock:
            while self._calls and self._calls[0] <= now - 3600:
                self._calls.popleft()
            if len(self._calls) >= limit:
                return False
            self._calls.append(now)
            return True


CAP = HourlyCap()


def settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return {
        "key": env.get("OPENAI_API_KEY", ""),
        "base_url": (env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
        "model": env.get("OPENAI_MODEL") or DEFAULT_MODEL,
        "timeout": float(env.get("LLM_TIMEOUT_S") or 20),
        "max_per_hour": int(env.get("LLM_MAX_CALLS_PER_HOUR") or 60),
    }


def enabled(env: Mapping[str, str] | None = None) -> bool:
    return bool(settings(env)["key"])


def _post(conf: Settings, messages: list[Message]) -> str:
    body = json.dumps({"model": conf["model"], "messages": messages, "temperature": 0.2,
                       "max_tokens": 400}).encode()
    request = urllib.request.Request(
        conf["base_url"] + "/chat/completions", data=body, method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {conf['key']}"})
    with urllib.request.urlopen(request, timeout=conf["timeout"]) as response:
        answer = json.loads(response.read().decode("utf-8"))
    content = answer["choices"][0]["message"]["content"]
    text = strip_markup(content if isinstance(content, str) else "")
    if not text:
        raise LLMError("the model answered no text")
    return text[:MAX_TEXT_CHARS]


def chat(messages: list[Message], env: Mapping[str, str] | None = None, cap: Cap | None = None) -> str:
    """The model's answer as plain text; raises LLMError when every attempt failed or the cap is reached.

    `cap` counts the calls (this process's CAP by default); a cap that cannot count raises LLMError too."""
    conf = settings(env)
    if not conf["key"]:
        raise LLMError("OPENAI_API_KEY is not set")
    cap = CAP if cap is None else cap   # read at call time, so a test can swap CAP
    last = None
    for _ in range(ATTEMPTS):
        if not cap.take(conf["max_per_hour"]):
            raise LLMError(f"LLM_MAX_CALLS_PER_HOUR ({conf['max_per_hour']}) reached")
        try:
            return _post(conf, messages)
        except Exception as error:  # any network, HTTP or format failure: retry once, then give up
            last = error
    raise LLMError(f"{type(last).__name__}: {last}")


def strip_markup(text: str) -> str:
    """Plain text from whatever a model sends: no HTML, markdown emphasis, headings, code or links."""
    text = re.sub(r"```[\w-]*", "", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)         # [label](url) -> label
    text = re.sub(r"<[^>]*>", "", text)
    text = html.unescape(text)
    text = re.sub(r"^[ \t]*#{1,6}[ \t]*", "", text, flags=re.M)       # heading markers
    text = re.sub(r"^[ \t]*[-*+][ \t]+", "", text, flags=re.M)        # bullet markers
    text = text.replace("**", "").replace("__", "").replace("`", "")
    text = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])", r"\1", text)   # *emphasis*
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
