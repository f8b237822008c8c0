"""A stand-in for the `modal` package: it records what modal_app.py registers, and runs nothing remote.

Modal cannot run here (no SDK, no network), so the test imports modal_app with this module in
sys.modules["modal"] and asserts on the records.
"""
import itertools
import types


def build():
    modal = types.ModuleType("modal")
    modal.apps = []
    modal.spawned = []           # (function name, args)
    modal.call_results = {}      # call id -> a result, or an exception to raise
    counter = itertools.count(1)

    class Image:
        def __init__(self, steps):
            self.steps = steps

        @classmethod
        def debian_slim(cls, python_version=None):
            return cls([("debian_slim", {"python_version": python_version})])

        def add_local_python_source(self, *modules, **kwargs):
            return Image(self.steps + [("add_local_python_source", {"modules": modules, **kwargs})])

        def add_local_dir(self, local_path, remote_path, **kwargs):
            return Image(self.steps + [("add_local_dir", {"local_path": local_path, "remote_path": remote_path,
                                                          **kwargs})])

        def pip_install(self, *packages, **kwargs):
            return Image(self.steps + [("pip_install", {"packages": packages, **kwargs})])

    class Secret:
        def __init__(self, name):
            self.name = name

        @classmethod
        def from_name(cls, name, **kwargs):
            return cls(name)

    class Dict(dict):
        registry = {}

        @classmethod
        def from_name(cls, name, create_if_missing=False, **kwargs):
            d = cls()
            d.name, d.create_if_missing = name, create_if_missing
            cls.registry[name] = d
            return d

    class Cron:
        def __init__(self, spec, **kwargs):
            self.spec = spec

    class Retries:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    class Call:
        def __init__(self, object_id):
            self.object_id = object_id

    class FunctionCall:
        @staticmethod
        def from_id(call_id):
            return FunctionCall._Handle(call_id)

        class _Handle:
            def __init__(self, call_id):
                self.call_id = call_id

            def get(self, timeout=None):
                if self.call_id not in modal.call_results:
                    raise TimeoutError()
                result = modal.call_results[self.call_id]
                if isinstance(result, BaseException):
                    raise result
                return result

    class Function:
        def __init__(self, fn, options):
            self.fn, self.options = fn, options
            self.web = getattr(fn, "_web", None)
            self.concurrent = getattr(fn, "_concurrent", None)

        def __call__(self, *args, **kwargs):
            return self.fn(*args, **kwargs)

        def spawn(self, *args):
            modal.spawned.append((self.fn.__name__, args))
            return Call(f"fc-{next(counter)}")

        def get_web_url(self):
            return "https://example--veo-engine-web.modal.run"

    class App:
        def __init__(self, name, image=None, **kwargs):
            self.name, self.image, self.kwargs = name, image, kwargs
            self.functions = {}
            self.entrypoints = []
            modal.apps.append(self)

        def function(self, **options):
            def register(fn):
                f = Function(fn, options)
                self.functions[fn.__name__] = f
                return f
            return register

        def local_entrypoint(self, **kwargs):
            def register(fn):
                self.entrypoints.append(fn)
                return fn
            return register

    def asgi_app(**kwargs):
        def mark(fn):
            fn._web = ("asgi_app", kwargs)
            return fn
        return mark

    def concurrent(**kwargs):
        def mark(fn):
            fn._concurrent = kwargs
            return fn
        return mark

    for name, value in dict(Image=Image, Secret=Secret, Dict=Dict, Cron=Cron, Retries=Retries,
                            FunctionCall=FunctionCall, App=App, asgi_app=asgi_app, concurrent=concurrent).items():
        setattr(modal, name, value)
    return modal
