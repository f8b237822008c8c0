"""The entry scripts find the `engine` package beside them from any working directory, with no sys.path edit."""
import ast
import os
import subprocess
import sys
import tempfile
import unittest

from tests.support import ENGINE_DIR

ENTRY_SCRIPTS = ("serve.py", "modal_app.py", "bench.py")


class EntryScriptsTest(unittest.TestCase):
    def test_no_entry_script_touches_sys_path(self):
        # Run as a script, Python puts the script's folder first on sys.path by itself.
        for name in ENTRY_SCRIPTS:
            with open(os.path.join(ENGINE_DIR, name), encoding="utf-8") as f:
                tree = ast.parse(f.read(), name)
            uses = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "path"
                    and isinstance(node.value, ast.Name) and node.value.id == "sys"]
            self.assertEqual(uses, [], f"{name} uses sys.path")

    def run_elsewhere(self, script, *args):
        with tempfile.TemporaryDirectory() as elsewhere:
            return subprocess.run([sys.executable, os.path.join(ENGINE_DIR, script), *args], cwd=elsewhere,
                                  capture_output=True, text=True, timeout=60)

    def test_serve_py_starts_from_another_working_directory(self):
        # --help exits once every import is done (the engine's data loaded); serving is test_server.py's.
        done = self.run_elsewhere("serve.py", "--help")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("--exit-with-stdin", done.stdout)

    def test_bench_py_runs_from_another_working_directory(self):
        done = self.run_elsewhere("bench.py", "--repeat", "3")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("/recommend", done.stdout)
        self.assertIn("/commute", done.stdout)


if __name__ == "__main__":
    unittest.main()
