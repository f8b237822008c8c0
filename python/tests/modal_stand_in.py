"""A stand-in for the `modal` package: the parts modal_app.py uses, with the SDK's signatures, run in-process.

Modal cannot run here (no SDK, no network). A `Cloud` plays Modal's servers (named Dicts, spawned calls and
their outputs) and `load_app(cloud)` imports modal_app.py as one container does, against a `modal` module
built over that cloud: two loads over one cloud are two containers sharing the same Dicts and calls.

It is as strict as the SDK where modal_app.py could go wrong (signatures as in modal-labs/modal-client):
keyword-only parameters stay keyword-only, so a wrong keyword is a TypeError; a remote method blocks when
called and is awaited through `.aio` (synchronicity's pattern), and a blocking one called on a running event
loop warns AsyncUsageWarning; Dict values are pickled (a value read is a copy); a Function is not callable
(`.local()`, `.remote()`, `.spawn()`); `FunctionCall.get` raises the built-in TimeoutError while the call
runs, OutputExpiredError once its output is gone, and the call's own error if it failed.

A test drives the cloud: `run(call_id)` runs a spawned call's body here (with its retries), `finish`, `fail`
and `expire` set a call's outcome, `latency` slows every remote operation, `fail_next(op, error)` makes the
next operations fail, and `hold(op, parties)` makes the next `parties` calls of an operation wait for each
other, so that two containers race there.
"""
import asyncio
import importlib
import importlib.util
import inspect
import itertools
import pickle
import sys
import threading
import time
import types
import warnings

_NO_DEFAULT = object()


def _exception_module():
    """modal.exception: the classes modal_app.py may meet, in the SDK's hierarchy (without grpclib)."""
    exc = types.ModuleType("modal.exception")

    class Error(Exception):
        pass

    class TimeoutError(Error):  # the SDK's own name, and not a subclass of the built-in TimeoutError
        pass

    classes = {"Error": Error, "TimeoutError": TimeoutError}
    for name, base in [("AlreadyExistsError", Error), ("AuthError", Error), ("InternalError", Error),
                       ("InvalidError", Error), ("DataLossError", Error), ("NotFoundError", Error),
                       ("PermissionDeniedError", Error), ("ResourceExhaustedError", Error), ("ServiceError", Error),
                       ("UnimplementedError", Error), ("RemoteError", Error), ("ConnectionError", Error),
                       ("ExecutionError", Error), ("DeserializationError", Error), ("SerializationError", Error),
                       ("RequestSizeError", Error), ("InternalFailure", Error), ("FunctionTimeoutError", TimeoutError),
                       ("OutputExpiredError", TimeoutError)]:
        classes[name] = type(name, (base,), {"__module__": "modal.exception"})
    classes["ConflictError"] = type("ConflictError", (classes["InvalidError"],), {"__module__": "modal.exception"})
    classes["AsyncUsageWarning"] = type("AsyncUsageWarning", (UserWarning,), {"__module__": "modal.exception"})
    for name, cls in classes.items():
        cls.__module__ = "modal.exception"
        setattr(exc, name, cls)
    return exc


exception = _exception_module()


class Cloud:
    """What Modal's servers hold for every container built over it: named Dicts and spawned calls."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._faults: dict[str, list[BaseException]] = {}
        self._holds: dict[str, list] = {}
        self.dicts: dict[str, dict] = {}    # Dict name -> {key: pickled value}
        self.calls: dict[str, dict] = {}    # call id -> {"function", "args", "kwargs", "state", "outcome"}
        self.spawned: list[tuple[str, tuple]] = []   # (function name, args), in spawn order
        self.operations: list[str] = []     # every remote operation, e.g. "Dict.get", in the order they ran
        self.latency = 0.0                  # seconds each remote operation takes
        self.in_flight = self.most_in_flight = 0    # remote operations under way, now and at most at once

    # What a test does.

    def contents(self, name: str) -> dict:
        """A Dict's entries, as its readers would get them."""
        with self._lock:
            return {k: pickle.loads(v) for k, v in self.dicts.get(name, {}).items()}

    def fail_next(self, op: str, error: BaseException, times: int = 1) -> None:
        """The next `times` calls of `op` ("Dict.get", "FunctionCall.get", ...) raise `error`."""
        with self._lock:
            self._faults.setdefault(op, []).extend([error] * times)

    def hold(self, op: str, parties: int) -> None:
        """The next `parties` calls of `op` wait for each other, then run: whatever each did before, all did."""
        with self._lock:
            self._holds[op] = [threading.Barrier(parties, timeout=5), parties]

    def finish(self, call_id: str, result) -> None:
        self._settle(call_id, "done", pickle.dumps(result))

    def fail(self, call_id: str, error: BaseException) -> None:
        self._settle(call_id, "failed", error)

    def expire(self, call_id: str) -> None:
        """Modal dropped the call's output (it keeps one for 7 days)."""
        self._settle(call_id, "expired", None)

    def run(self, call_id: str):
        """Runs a spawned call's body here, as its container would, retried as its function says."""
        with self._lock:
            call = self.calls[call_id]
        function = call["function"]
        retries = function.options.get("retries")
        tries = 1 + (retries.max_retries if isinstance(retries, _Retries) else retries or 0)
        for attempt in range(tries):
            try:
                result = function.local(*pickle.loads(call["args"]), **pickle.loads(call["kwargs"]))
            except Exception as error:
                if attempt == tries - 1:
                    self.fail(call_id, error)
                    return error
            else:
                self.finish(call_id, result)
                return result

    def run_all(self) -> None:
        for call_id in [i for i, c in self.calls.items() if c["state"] == "pending"]:
            self.run(call_id)

    def _settle(self, call_id, state, outcome):
        with self._lock:
            self.calls[call_id].update(state=state, outcome=outcome)

    # What the stand-in's objects call: one remote operation, blocking or awaited.

    def _before(self, op):
        with self._lock:
            self.operations.append(op)
            hold = self._holds.get(op)
            if hold:
                hold[1] -= 1
                if hold[1] == 0:
                    del self._holds[op]
            faults = self._faults.get(op)
            fault = faults.pop(0) if faults else None
        return (hold[0] if hold else None), fault

    def _flight(self, change):
        with self._lock:
            self.in_flight += change
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def remote(self, op, action):
        barrier, fault = self._before(op)
        if barrier:
            barrier.wait()
        if fault:
            raise fault
        self._flight(1)
        try:
            time.sleep(self.latency)
        finally:
            self._flight(-1)
        with self._lock:
            return action()

    async def remote_aio(self, op, action):
        barrier, fault = self._before(op)
        if barrier:
            await asyncio.to_thread(barrier.wait)
        if fault:
            raise fault
        self._flight(1)
        try:
            await asyncio.sleep(self.latency)
        finally:
            self._flight(-1)
        with self._lock:
            return action()


class _Method:
    """A remote method as the SDK exposes it: `obj.m(...)` blocks, `await obj.m.aio(...)` does not."""

    def __init__(self, op, impl):
        self.op, self.impl, self.signature = op, impl, inspect.signature(impl)

    def __get__(self, obj, owner=None):
        return self if obj is None else _Bound(self, obj)


class _Bound:
    def __init__(self, method, obj):
        self.method, self.obj = method, obj

    def _action(self, args, kwargs):
        self.method.signature.bind(self.obj, *args, **kwargs)  # a wrong argument: TypeError, as Python says it
        return lambda: self.method.impl(self.obj, *args, **kwargs)

    def __call__(self, *args, **kwargs):
        action = self._action(args, kwargs)
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            warnings.warn(f"Blocking Modal interface {self.method.op}() used in async context: "
                          f"use `await ....{self.method.impl.__name__}.aio(...)`", exception.AsyncUsageWarning,
                          stacklevel=2)
        return self.obj._cloud.remote(self.method.op, action)

    async def aio(self, *args, **kwargs):
        return await self.obj._cloud.remote_aio(self.method.op, self._action(args, kwargs))


def _remote(op):
    return lambda impl: _Method(op, impl)


class _Dict:
    _cloud: Cloud

    def __init__(self):
        raise RuntimeError("`Dict(...)` constructor is not allowed. Please use `Dict.from_name` or `Dict.ephemeral`"
                           " instead")

    @classmethod
    def from_name(cls, name, *, environment_name=None, create_if_missing=False, client=None):
        d = object.__new__(cls)
        d.name, d.create_if_missing = name, create_if_missing
        return d

    def _store(self):
        if self.name not in self._cloud.dicts:
            if not self.create_if_missing:
                raise exception.NotFoundError(f"Dict '{self.name}' not found")
            self._cloud.dicts[self.name] = {}
        return self._cloud.dicts[self.name]

    @_remote("Dict.get")
    def get(self, key, default=None):
        store = self._store()
        return pickle.loads(store[key]) if key in store else default

    @_remote("Dict.contains")
    def contains(self, key):
        return key in self._store()

    @_remote("Dict.len")
    def len(self):
        return len(self._store())

    @_remote("Dict.put")
    def put(self, key, value, *, skip_if_exists=False):
        store = self._store()
        pickle.dumps(key)
        if skip_if_exists and key in store:
            return False
        store[key] = pickle.dumps(value)
        return True

    @_remote("Dict.update")
    def update(self, other=None, /, **kwargs):
        store = self._store()
        for key, value in {**(other or {}), **kwargs}.items():
            store[key] = pickle.dumps(value)

    @_remote("Dict.pop")
    def pop(self, key, default=_NO_DEFAULT):
        store = self._store()
        if key not in store:
            if default is _NO_DEFAULT:
                raise KeyError(f"{key} not in dict {self.name}")
            return default
        return pickle.loads(store.pop(key))

    @_remote("Dict.clear")
    def clear(self):
        self._store().clear()

    def __getitem__(self, key):
        missing = object()
        value = self.get(key, missing)
        if value is missing:
            raise KeyError(f"{key} not in dict {self.name}")
        return value

    def __setitem__(self, key, value):
        self.put(key, value)

    def __contains__(self, key):
        return self.contains(key)

    def __delitem__(self, key):
        return self.pop(key)


class _FunctionCall:
    _cloud: Cloud

    @classmethod
    def from_id(cls, function_call_id, client=None):
        call = object.__new__(cls)
        call.object_id = function_call_id
        return call

    @_remote("FunctionCall.get")
    def get(self, timeout=None, *, index=0):
        call = self._cloud.calls.get(self.object_id)
        if call is None:
            raise exception.NotFoundError(f"Function call {self.object_id} not found")
        state = call["state"]
        if state == "pending":
            if timeout is None:
                raise AssertionError("FunctionCall.get() without a timeout waits until the call ends")
            raise TimeoutError()    # the built-in one, as the SDK raises while the call runs
        if state == "expired":
            raise exception.OutputExpiredError()
        if state == "failed":
            raise call["outcome"]
        return pickle.loads(call["outcome"])


class _Retries:
    def __init__(self, *, max_retries, backoff_coefficient=2.0, initial_delay=1.0, max_delay=60.0):
        self.max_retries, self.backoff_coefficient = max_retries, backoff_coefficient
        self.initial_delay, self.max_delay = initial_delay, max_delay


class _Function:
    _cloud: Cloud
    _call_class: type

    def __init__(self, fn, options):
        self.fn, self.options = fn, options
        self.web = getattr(fn, "_web", None)
        self.concurrent = getattr(fn, "_concurrent", None)

    def local(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    @_remote("Function.spawn")
    def spawn(self, *args, **kwargs):
        call_id = f"fc-{next(self._cloud._ids)}"
        # Arguments travel pickled; a wrong one fails in the call's container, as on Modal, when it runs.
        self._cloud.calls[call_id] = {"function": self, "args": pickle.dumps(args), "kwargs": pickle.dumps(kwargs),
                                      "state": "pending", "outcome": None}
        self._cloud.spawned.append((self.fn.__name__, args))
        return self._call_class.from_id(call_id)

    def get_web_url(self):
        return "https://example--veo-engine-web.modal.run"


class _Image:
    def __init__(self, steps):
        self.steps = steps

    @classmethod
    def debian_slim(cls, python_version=None, force_build=False):
        if isinstance(python_version, float):
            raise TypeError("The `python_version` argument should be a string, not a float.")
        return cls([("debian_slim", {"python_version": python_version})])

    def add_local_python_source(self, *modules, copy=False, ignore=()):
        return _Image(self.steps + [("add_local_python_source", {"modules": modules, "copy": copy})])

    def add_local_dir(self, local_path, remote_path, *, copy=False, ignore=()):
        return _Image(self.steps + [("add_local_dir", {"local_path": local_path, "remote_path": remote_path,
                                                       "copy": copy})])

    def pip_install(self, *packages, find_links=None, index_url=None, extra_index_url=None, pre=False,
                    extra_options="", force_build=False, env=None, secrets=None, gpu=None):
        return _Image(self.steps + [("pip_install", {"packages": packages})])


class _Secret:
    def __init__(self, name):
        self.name = name

    @classmethod
    def from_name(cls, name, *, environment_name=None, required_keys=(), client=None):
        return cls(name)


class _Cron:
    def __init__(self, cron_string, timezone="UTC"):
        self.spec, self.timezone = cron_string, timezone


def _no_bare_decorator(value, suggestion):
    if value is not None:
        raise exception.InvalidError(f"Did you forget parentheses? Suggestion: `{suggestion}`.")


def asgi_app(_warn_parentheses_missing=None, *, label=None, custom_domains=None, requires_proxy_auth=False):
    _no_bare_decorator(_warn_parentheses_missing, "@modal.asgi_app()")

    def mark(fn):
        fn._web = ("asgi_app", {"label": label, "custom_domains": custom_domains,
                                "requires_proxy_auth": requires_proxy_auth})
        return fn
    return mark


def concurrent(_warn_parentheses_missing=None, *, max_inputs=None, target_inputs=None):
    _no_bare_decorator(_warn_parentheses_missing, "@modal.concurrent()")

    def mark(fn):
        fn._concurrent = {"max_inputs": max_inputs, "target_inputs": target_inputs}
        return fn
    return mark


def build(cloud: Cloud | None = None) -> types.ModuleType:
    """A `modal` module over `cloud` (a new one by default): what one container imports."""
    cloud = Cloud() if cloud is None else cloud
    modal = types.ModuleType("modal")
    modal.cloud, modal.apps = cloud, []
    call_class = type("FunctionCall", (_FunctionCall,), {"_cloud": cloud})
    function_class = type("Function", (_Function,), {"_cloud": cloud, "_call_class": call_class})

    class App:
        def __init__(self, name=None, *, tags=None, image=None, secrets=(), volumes=None, include_source=True):
            self.name, self.image, self.secrets = name, image, secrets
            self.functions = {}
            self.entrypoints = []
            modal.apps.append(self)

        def function(self, _warn_parentheses_missing=None, *, image=None, schedule=None, env=None, secrets=None,
                     gpu=None, serialized=False, network_file_systems=None, volumes=None, cpu=None, memory=None,
                     ephemeral_disk=None, min_containers=None, max_containers=None, buffer_containers=None,
                     scaledown_window=None, proxy=None, retries=None, timeout=300, startup_timeout=None, name=None,
                     is_generator=None, cloud=None, region=None, routing_region=None, nonpreemptible=False,
                     enable_memory_snapshot=False, block_network=False, restrict_modal_access=False,
                     single_use_containers=False, i6pn=None, include_source=None, experimental_options=None,
                     _experimental_restrict_output=False, max_inputs=None):
            _no_bare_decorator(_warn_parentheses_missing, "@app.function()")
            options = {"image": image, "schedule": schedule, "secrets": secrets or [], "retries": retries,
                       "timeout": timeout, "scaledown_window": scaledown_window, "max_containers": max_containers,
                       "min_containers": min_containers}

            def register(fn):
                f = function_class(fn, options)
                self.functions[fn.__name__] = f
                return f
            return register

        def local_entrypoint(self, _warn_parentheses_missing=None, *, name=None):
            _no_bare_decorator(_warn_parentheses_missing, "@app.local_entrypoint()")

            def register(fn):
                self.entrypoints.append(fn)
                return fn
            return register

    names = dict(App=App, Image=_Image, Secret=_Secret, Cron=_Cron, Retries=_Retries, asgi_app=asgi_app,
                 concurrent=concurrent, exception=exception, Error=exception.Error, FunctionCall=call_class,
                 Function=function_class, Dict=type("Dict", (_Dict,), {"_cloud": cloud}))
    for name, value in names.items():
        setattr(modal, name, value)
    return modal


def load_app(cloud: Cloud | None = None, edit=None) -> types.ModuleType:
    """modal_app.py imported afresh, as a container over `cloud` imports it; its `modal` is the module's `.modal`.

    `edit(source) -> source` changes the code first, so that a test can show the stand-in catches a mistake."""
    modal = build(cloud)
    names = ("modal", "modal.exception", "modal_app")
    before = {name: sys.modules.get(name) for name in names}
    sys.modules.update({"modal": modal, "modal.exception": modal.exception})
    sys.modules.pop("modal_app", None)
    try:
        if edit is None:
            module = importlib.import_module("modal_app")
        else:
            spec = importlib.util.find_spec("modal_app")
            with open(spec.origin, encoding="utf-8") as f:
                source = f.read()
            module = importlib.util.module_from_spec(spec)
            exec(compile(edit(source), spec.origin, "exec"), module.__dict__)
    finally:
        for name, value in before.items():
            if value is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = value
    return module
